"""Request rates per API key (or per signed-in person); over the rate the answer is 429 with Retry-After.

Counted per fixed window with one cache increment a request (DRF's default keeps every request's timestamp
in one cache entry, which costs more as the rate grows: too much at the rates live ingest needs).
"""
import time

from django.core.cache import cache
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

    def allow_request(self, request, view):
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        self.wait_seconds = (window + 1) * self.duration - now
        bucket = f"{self.key}:{window}"
        try:
            count = cache.incr(bucket)  # one cache round trip for all but the window's first request
        except ValueError:  # the window's first request (or its bucket expired)
            count = 1 if cache.add(bucket, 1, timeout=self.duration + 1) else cache.incr(bucket)
        return count <= self.num_requests

    def wait(self):
        return max(self.wait_seconds, 1)  # always a number: every 429 carries Retry-After

    def get_ident(self, request):
        # DRF's own reading believes any X-Forwarded-For; ours only the trusted proxies'.
        return "ip:" + (client_address(request) or "unknown")
