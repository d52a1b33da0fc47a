"""OpenAPI pieces shared by the system log and webhook endpoints: the contract's error responses."""
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ContractErrors = inline_serializer("ContractErrors", fields={
    "errors": serializers.ListField(child=inline_serializer("ContractError", fields={
        "field": serializers.CharField(help_text="Dotted path of the invalid field; empty for the request."),
        "message": serializers.CharField(),
    })),
})


def errors(*codes: int) -> dict:
    meaning = {
        400: "Invalid input: every invalid field is named.",
        401: "Missing or unknown API key.",
        403: "The key lacks the scope, the role does not allow it, or the object is another organization's.",
        404: "Unknown id.",
    }
    return {code: OpenApiResponse(ContractErrors, description=meaning[code]) for code in codes}
