"""Per-request middleware: the signed-in person's current organization, and control characters refused in URLs."""
import re

import orjson
from django.http import HttpResponse
from django.utils.functional import SimpleLazyObject
from django.utils.html import escape

SESSION_KEY = "organization_id"


def current_membership(request):
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = user.memberships.select_related("organization").order_by("organization__name")
    asked = request.GET.get("org")  # a link naming the organization (an alert email, a shared URL) wins
    if asked:
        membership = memberships.filter(organization__slug=asked).first()
        if membership:
            return membership
    chosen = request.session.get(SESSION_KEY)
    if chosen is not None:
        membership = memberships.filter(organization_id=chosen).first()
        if membership:
            return membership
    return memberships.first()


class CurrentOrganizationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = SimpleLazyObject(lambda: current_membership(request))
        return self.get_response(request)


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def _bad_parameter(request, view_kwargs) -> str | None:
    """The first query parameter or path id holding a control character (PostgreSQL refuses NUL outright)."""
    for name, values in request.GET.lists():
        if CONTROL_CHARACTERS.search(name):
            return CONTROL_CHARACTERS.sub("?", name)
        if any(CONTROL_CHARACTERS.search(value) for value in values):
            return name
    for name, value in view_kwargs.items():
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            return "id" if name == "pk" else name  # as the OpenAPI schema names it
    return None


class RefuseControlCharactersMiddleware:
    """No search, filter or id contains a control character: refused with a 400 naming the parameter, everywhere
    (API, pages, admin), before any view reaches the database with it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        name = _bad_parameter(request, view_kwargs)
        if name is None:
            return None
        message = "Must not contain control characters."
        if request.path.startswith("/api/"):
            body = orjson.dumps({"errors": [{"field": name, "message": message}]})
            return HttpResponse(body, status=400, content_type="application/json")
        return HttpResponse(f"<!doctype html><title>Bad request</title><p>{escape(name)}: {escape(message)}</p>",
                            status=400)
