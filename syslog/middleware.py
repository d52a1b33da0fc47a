"""Turns an unhandled exception in a view into a logged fault and a plain answer carrying its correlation id."""
import sys

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.shortcuts import render

from .faults import log_fault, new_correlation_id

FAULT_MESSAGE = "Something went wrong on our side. Quote this correlation id when you report it."
_NOT_FAULTS = (Http404, PermissionDenied, SuspiciousOperation)


class FaultMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, _NOT_FAULTS):
            return None  # Django answers these with their own 4xx pages
        correlation_id = new_correlation_id()
        log_fault(exception=exception, where=f"{request.method} {request.path}", correlation_id=correlation_id,
                  organization_id=organization_of_request(request))
        return fault_response(request, correlation_id)


def fault_response(request, correlation_id: str):
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": [{"message": FAULT_MESSAGE, "correlation_id": correlation_id}]},
                            status=500)
    return render(request, "syslog/fault.html", {"correlation_id": correlation_id}, status=500)


def organization_of_request(request) -> int | None:
    """The API key's organization, or the signed-in person's current one; None when there is neither."""
    try:
        key_org = getattr(getattr(request, "auth", None), "organization_id", None)
        if key_org:
            return key_org
        membership = getattr(request, "membership", None)
        return membership.organization_id if membership else None
    except Exception:  # the fault may be the database itself
        return None


def server_error(request):
    """handler500: faults raised outside a view (in a middleware, say), still logged with an id."""
    correlation_id = new_correlation_id()
    exception = _current_exception()
    if exception is not None:
        log_fault(exception=exception, where=f"{request.method} {request.path}", correlation_id=correlation_id,
                  organization_id=None)
    return fault_response(request, correlation_id)


def _current_exception():
    # Django calls handler500 inside its except block, so the exception is still the current one.
    return sys.exc_info()[1]
