"""Secrets at rest (webhook signing secrets, SMTP passwords): encrypted with Fernet keys from the settings.

FIELD_ENCRYPTION_KEYS is a list of Fernet keys: the first encrypts, every one decrypts (MultiFernet), so a
new key is put first, `manage.py rotate_encryption_keys` re-encrypts, and the old key is then dropped.
Stored values carry a prefix, so a value can never be mistaken for plain text or the reverse.
"""
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must hold at least one Fernet key.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key "
                                   "(32 url-safe base64-encoded bytes).") from None


def _keys() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def encrypt(plain: str) -> str:
    return PREFIX + _keys().encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    try:
        return _keys().decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured("A stored secret cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS "
                                   "(was a key removed before rotate_encryption_keys ran?).") from None


def rotate(stored: str) -> str:
    """The same secret, encrypted again with the first key."""
    return PREFIX + _keys().rotate(stored.removeprefix(PREFIX).encode()).decode()


class EncryptedTextField(models.TextField):
    """Plain text in Python, Fernet ciphertext in the database; a lookup on it can never match."""

    def from_db_value(self, value, expression, connection):
        if value is None or not is_encrypted(value):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, "") or is_encrypted(value):
            return value
        return encrypt(value)
