"""Bearer API key authentication: the request acts for the key's organization with the key's scopes.

Failed attempts are counted per client address and throttled; the key itself is never logged.
"""
import logging

from django.conf import settings
from django.core.cache import cache
from rest_framework import authentication, exceptions

from ..acting import Acting, source_of
from ..models import ApiKey
from . import key_cache

logger = logging.getLogger("audit.api.auth")


class ApiKeyPrincipal:
    """The authenticated caller when a key is used (request.user)."""

    is_authenticated = True
    is_anonymous = False
    is_superuser = False

    def __init__(self, key: ApiKey):
        self.key = key
        self.organization = key.organization

    def __str__(self):
        return str(self.key)


def key_acting(key: ApiKey, request=None) -> Acting:
    """A key acts as an API client named after the key, and is what events it submits were recorded via."""
    return Acting(actor={"kind": "api_client", "id": key.actor_id, "name": key.name},
                  recorded_via=f"api_key:{key.prefix}", source=source_of(request))


def _failure_cache_key(request) -> str:
    return "api-auth-failures:" + (request.META.get("REMOTE_ADDR") or "unknown")


def _refuse_if_throttled(request) -> None:
    limit, window = settings.TRAILPROOF_API_AUTH_FAILURES
    if cache.get(_failure_cache_key(request), 0) >= limit:
        raise exceptions.Throttled(wait=window, detail="Too many failed API key attempts from this address.")


def _count_failure(request) -> None:
    limit, window = settings.TRAILPROOF_API_AUTH_FAILURES
    cache_key = _failure_cache_key(request)
    cache.add(cache_key, 0, timeout=window)
    try:
        failures = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        failures = 1
        cache.set(cache_key, failures, timeout=window)
    logger.warning("Failed API key authentication from %s (%d in the current window)",
                   request.META.get("REMOTE_ADDR"), failures)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        _refuse_if_throttled(request)
        keyword, _, plain = header.partition(" ")
        if keyword != self.keyword or not plain.strip():
            _count_failure(request)
            raise exceptions.AuthenticationFailed("Use the header 'Authorization: Bearer <key>'.")
        key = key_cache.active_key(plain.strip())
        if key is None:
            _count_failure(request)
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.")
        key_cache.note_use(key)
        return ApiKeyPrincipal(key), key

    def authenticate_header(self, request):
        return self.keyword
