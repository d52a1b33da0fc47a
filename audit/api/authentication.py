"""Bearer API key authentication: the request acts for the key's organization with the key's scopes.

Failed attempts are counted per client address (audit.client_address); past the limit, further failures from
that address get 429, while a valid key always authenticates. The key itself is never logged.
"""
import logging

from django.conf import settings
from django.core.cache import cache
from rest_framework import authentication, exceptions

from ..acting import Acting, source_of
from ..client_address import client_address
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
    return "api-auth-failures:" + (client_address(request) or "unknown")


def _count_failure(request) -> int:
    """Counts a failed key from the client's address; returns the failures in the current window."""
    limit, window = settings.TRAILPROOF_API_AUTH_FAILURES
    cache_key = _failure_cache_key(request)
    cache.add(cache_key, 0, timeout=window)
    try:
        failures = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        failures = 1
        cache.set(cache_key, failures, timeout=window)
    if failures <= limit or failures % limit == 0:  # an operator sees a flood without one line per attempt
        logger.warning("Failed API key authentication from %s (%d in the current window)",
                       client_address(request), failures)
    return failures


def _refuse(request, message: str):
    """A bad key is a 401; past the limit, further bad keys from that address get 429 (valid keys still pass)."""
    limit, window = settings.TRAILPROOF_API_AUTH_FAILURES
    if _count_failure(request) > limit:
        raise exceptions.Throttled(wait=window, detail="Too many failed API key attempts from this address.")
    raise exceptions.AuthenticationFailed(message)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """A key is always checked: it is 256 bits, so counting failures slows guessing without locking anyone out."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, plain = header.partition(" ")
        if keyword != self.keyword or not plain.strip():
            _refuse(request, "Use the header 'Authorization: Bearer <key>'.")
        key = key_cache.active_key(plain.strip())
        if key is None:
            _refuse(request, "Unknown or revoked API key.")
        key_cache.note_use(key)
        return ApiKeyPrincipal(key), key

    def authenticate_header(self, request):
        return self.keyword
