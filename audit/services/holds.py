"""Legal holds: while one lasts, its events are neither purged nor erased; placing and releasing are recorded."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..acting import Acting
from ..models import Actor, LegalHold, Organization
from ..validation import text_problem
from .recording import record_action

MAX_REASON = 2000


def _hold_target(organization, actor) -> dict:
    if actor is None:
        return {"type": "organization", "id": organization.slug, "name": organization.name}
    return {"type": "actor", "id": actor.external_id}  # the name is personal data: never written into the chain


@transaction.atomic
def place_legal_hold(*, organization: Organization, reason: str, acting: Acting,
                     actor: Actor | None = None) -> LegalHold:
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"Say why the records are held (1 to {MAX_REASON} characters)."})
    if text_problem(reason):
        raise ValidationError({"reason": text_problem(reason)})
    if actor is not None and actor.organization_id != organization.pk:
        raise ValidationError({"actor": "No such actor in this organization."})
    hold = LegalHold.objects.create(organization=organization, actor=actor, reason=reason,
                                    placed_by=acting.actor.get("id") or acting.recorded_via)
    record_action(organization, "legal_hold.placed", acting, reason=reason,
                  targets=[_hold_target(organization, actor)], metadata={"hold": hold.pk})
    return hold


@transaction.atomic
def release_legal_hold(*, hold: LegalHold, reason: str, acting: Acting) -> LegalHold:
    """Releases the hold (once); raises ValidationError for a reason that cannot be recorded."""
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON or text_problem(reason):
        raise ValidationError({"reason": text_problem(reason) or f"Must be at most {MAX_REASON} characters."})
    hold = LegalHold.objects.select_for_update(of=("self",)).select_related("organization", "actor").get(pk=hold.pk)
    if hold.released_at is not None:
        return hold
    hold.released_at, hold.released_by = timezone.now(), acting.actor.get("id") or acting.recorded_via
    hold.save(update_fields=["released_at", "released_by"])
    record_action(hold.organization, "legal_hold.released", acting, reason=reason,
                  targets=[_hold_target(hold.organization, hold.actor)], metadata={"hold": hold.pk})
    return hold


def holds_covering(actor: Actor):
    """The active holds that keep this actor's events: one on them, or one on their whole organization."""
    return LegalHold.objects.filter(organization_id=actor.organization_id, released_at__isnull=True,
                                    actor__isnull=True) | \
        LegalHold.objects.filter(organization_id=actor.organization_id, released_at__isnull=True, actor=actor)
