"""Request rates per API key (or per signed-in person); over the rate the answer is 429 with Retry-After."""
from rest_framework.throttling import ScopedRateThrottle

from .authentication import ApiKeyPrincipal


class CallerRateThrottle(ScopedRateThrottle):
    """One bucket per key or person and per `throttle_scope` of the view (read, write, export)."""

    def get_cache_key(self, request, view):
        if isinstance(request.user, ApiKeyPrincipal):
            ident = f"key:{request.user.key.pk}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
