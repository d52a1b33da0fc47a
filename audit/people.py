"""How a person is shown anywhere (pages, admin, API, exports, webhooks): the one rule for erased people."""
import hashlib


def pseudonym_for(organization_id: int, actor_pk: int) -> str:
    """A stable stand-in for an erased person, derived from nothing personal: `erased-7f3a9c01`."""
    return "erased-" + hashlib.sha256(f"trailproof:{organization_id}:{actor_pk}".encode()).hexdigest()[:8]


def pseudonym(actor) -> str:
    return pseudonym_for(actor.organization_id, actor.pk)


def is_erased(actor) -> bool:
    return getattr(actor, "erased_at", None) is not None


def person_name(actor) -> str | None:
    """The name to show, or None when there is none; an erased person's pseudonym."""
    if is_erased(actor):
        return pseudonym(actor)
    return actor.name or None


def person_email(actor) -> str | None:
    return None if is_erased(actor) else (actor.email or None)


def person_label(actor) -> str:
    """A one-line label: the name, else the actor id; an erased person's pseudonym."""
    return person_name(actor) or actor.external_id
