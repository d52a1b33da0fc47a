"""API keys looked up once per process and trusted for API_KEY_CACHE_SECONDS; their last use noted once a minute.

A key revoked (or changed) through the application is forgotten at once in the process that saved it; other
server processes stop accepting it within API_KEY_CACHE_SECONDS (5 by default). Unknown keys are never
cached, so failed attempts still reach the database and the failed-key throttle.
"""
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from ..models import ApiKey
from ..models.api_keys import hash_key

LAST_USE_RESOLUTION = timedelta(seconds=60)  # last_used_at is written at most once a minute per key
MAX_CACHED = 10_000

_known: dict[str, tuple[float, ApiKey]] = {}  # key hash -> (when read, the key with its organization)
_lock = threading.Lock()


def active_key(plain: str) -> ApiKey | None:
    """The unrevoked key with this plain value, with its organization; None when unknown or revoked."""
    digest = hash_key(plain)
    cached = _known.get(digest)
    if cached is not None and time.monotonic() - cached[0] < settings.API_KEY_CACHE_SECONDS:
        return cached[1]
    key = ApiKey.objects.select_related("organization").filter(key_hash=digest, revoked_at__isnull=True).first()
    with _lock:
        if key is None:
            _known.pop(digest, None)
        else:
            if len(_known) >= MAX_CACHED:
                _known.clear()
            _known[digest] = (time.monotonic(), key)
    return key


def note_use(key: ApiKey) -> None:
    """Keep last_used_at to the minute without a write per request."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USE_RESOLUTION:
        key.last_used_at = now  # first, so concurrent requests on this cached key do not all write
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)


def forget(sender, instance: ApiKey, **kwargs) -> None:
    with _lock:
        _known.pop(instance.key_hash, None)


post_save.connect(forget, sender=ApiKey, dispatch_uid="api-key-cache-forget-saved")
post_delete.connect(forget, sender=ApiKey, dispatch_uid="api-key-cache-forget-deleted")
