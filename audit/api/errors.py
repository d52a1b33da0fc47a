"""Errors in the contract's JSON shape: {"errors": [{"index"?, "field", "message"}]}."""
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from ..validation import EventValidationError


def _flatten(detail, prefix=""):
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            yield from _flatten(value, f"{prefix}.{name}".strip(".") if name else prefix)
    elif isinstance(detail, list):
        for item in detail:
            yield from _flatten(item, prefix)
    else:
        yield {"field": prefix, "message": str(detail)}


def contract_exception_handler(exc, context):
    if isinstance(exc, EventValidationError):
        return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"errors": list(_flatten(exc.detail))}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        response.data = {"errors": [{"field": "", "message": str(detail)}]}
    return response
