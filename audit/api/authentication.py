"""Bearer API key authentication: the request acts for the key's organization with the key's scopes."""
from django.utils import timezone
from rest_framework import authentication, exceptions

from ..models import ApiKey
from ..models.api_keys import hash_key


class ApiKeyPrincipal:
    """The authenticated caller when a key is used (request.user)."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, key: ApiKey):
        self.key = key
        self.organization = key.organization

    def __str__(self):
        return str(self.key)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, plain = header.partition(" ")
        if keyword != self.keyword or not plain.strip():
            raise exceptions.AuthenticationFailed("Use the header 'Authorization: Bearer <key>'.")
        try:
            key = ApiKey.objects.select_related("organization").get(key_hash=hash_key(plain.strip()),
                                                                    revoked_at__isnull=True)
        except ApiKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.") from None
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return ApiKeyPrincipal(key), key

    def authenticate_header(self, request):
        return self.keyword
