"""API keys: created and revoked together with their audit events; the plain key leaves only once."""
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ..acting import Acting
from ..models import SCOPES, ApiKey, Organization
from ..models.api_keys import hash_key, new_plain_key
from .recording import record_action

PREFIX_LENGTH = 10


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    plain: str  # shown to its creator once, never stored


def _key_target(key: ApiKey) -> dict:
    return {"type": "api_key", "id": key.actor_id, "name": key.name}


def clean_scopes(scopes) -> list[str]:
    """The scopes in the contract's order; ValueError naming any unknown one."""
    given = [s.strip() for s in scopes if s and s.strip()]
    unknown = sorted(set(given) - set(SCOPES))
    if unknown:
        raise ValueError(f"Unknown scope {', '.join(unknown)}; choose from {', '.join(SCOPES)}.")
    if not given:
        raise ValueError(f"Give at least one scope: {', '.join(SCOPES)}.")
    return [scope for scope in SCOPES if scope in given]


@transaction.atomic
def create_api_key(*, organization: Organization, name: str, scopes, acting: Acting, created_by=None) -> NewKey:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValueError("Give the key a name of 1 to 100 characters.")
    scopes = clean_scopes(scopes)
    plain = new_plain_key()
    key = ApiKey.objects.create(organization=organization, name=name, prefix=plain[:PREFIX_LENGTH],
                                key_hash=hash_key(plain), scopes=scopes, created_by=created_by)
    record_action(organization, "api_key.created", acting, targets=[_key_target(key)],
                  changes={"scopes": {"before": None, "after": scopes}})
    return NewKey(key=key, plain=plain)


@transaction.atomic
def revoke_api_key(*, key: ApiKey, acting: Acting) -> ApiKey:
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        return key
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    record_action(key.organization, "api_key.revoked", acting, targets=[_key_target(key)])
    return key


def api_keys_of(organization: Organization):
    """The organization's keys, newest first; revoked ones stay listed for the record."""
    return ApiKey.objects.filter(organization=organization).select_related("created_by")
