"""Request rates per API key (or per signed-in person); over the rate the answer is 429 with Retry-After."""
from rest_framework.throttling import ScopedRateThrottle

from ..client_address import client_address
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

    def wait(self):
        """Always a number of seconds, so every 429 carries Retry-After (DRF gives none once the history holds
        more requests than the rate, e.g. after the rate was lowered): until the oldest request leaves the window."""
        wait = super().wait()
        if wait is None:
            wait = self.duration - (self.now - self.history[-1]) if self.history else self.duration
        return max(wait, 1)

    def get_ident(self, request):
        # DRF's own reading believes any X-Forwarded-For; ours only the trusted proxies'.
        return "ip:" + (client_address(request) or "unknown")
