"""OpenAPI pieces of the system log and webhook endpoints: the contract's error responses."""
from drf_spectacular.utils import OpenApiResponse

from audit.api.docs import ERROR

MEANING = {
    400: "Invalid input: every invalid field or parameter is named.",
    401: "Missing, unknown or revoked API key.",
    403: "The key lacks the scope, the role does not allow it, or the webhook is another organization's.",
    404: "Unknown id.",
    429: "Throttled; see the Retry-After header.",
}


def errors(*codes: int) -> dict:
    """The given error answers, plus those every endpoint can give (401, 403, 429)."""
    return {code: OpenApiResponse(ERROR, description=MEANING[code]) for code in (401, 403, 429, *codes)}
