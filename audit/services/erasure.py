"""GDPR erasure of one person: their name, email, IP addresses and user agents leave the trail; events stay.

The chain hashed the source (IP, user agent) and target names, so a redacted event no longer matches its
hash. The erasure therefore first checks each affected event against its hash (nothing tampered is
laundered), redacts it through the database's redaction path (personal-data columns only), and keeps a
Redaction row per event: the hash it was chained with and the hash of what is stored now. Its
`erasure.completed` event commits to a digest of those rows, so the verifier accepts a redacted event only
when its stored content matches the redacted hash, its chained hash is unchanged, and the chain vouches for
the redaction. What the erased person was called cannot be recovered from any of it.
"""
import orjson
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ..acting import Acting
from ..documents import computed_hash
from ..events import person_erased
from ..guard import KEPT_COLUMNS, REDACTABLE, erasure_allowed
from ..models import Actor, AuditEvent, Erasure, Membership, Organization, Redaction
from ..offline import redactions_digest
from ..people import pseudonym
from .holds import holds_covering
from .recording import ROW_FIELDS, record_action

if set(KEPT_COLUMNS) | set(REDACTABLE) != set(ROW_FIELDS):
    raise RuntimeError("AuditEvent's columns changed: sort them into KEPT_COLUMNS or REDACTABLE in audit/guard.py")
MAX_BASIS = 2000


def _refusal(actor: Actor, organization: Organization) -> str | None:
    if actor.organization_id != organization.pk:
        return "No such person in this organization."
    if actor.kind != "user":
        return "Only a person can be erased; bots, API clients and system actors hold no personal data."
    if actor.erased_at is not None:
        return "This person was already erased."
    if holds_covering(actor).exists():
        return ("A legal hold covers this person's records: erasure is refused until the hold is released "
                "(GDPR art. 17(3)(e): records needed for legal claims are kept).")
    if actor.user_id and Membership.objects.filter(user_id=actor.user_id, organization=organization).exists():
        return "This person is still a member: remove them from the organization first."
    return None


def _scrub(value, secrets: list[str], stand_in: str):
    """The value with every occurrence of the person's name or email replaced, at any depth."""
    if isinstance(value, str):
        for secret in secrets:
            if secret.lower() in value.lower():
                value = _replace_ci(value, secret, stand_in)
        return value
    if isinstance(value, list):
        return [_scrub(item, secrets, stand_in) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, secrets, stand_in) for key, item in value.items()}
    return value


def _replace_ci(text: str, secret: str, stand_in: str) -> str:
    lower, needle, out, start = text.lower(), secret.lower(), [], 0
    while (found := lower.find(needle, start)) != -1:
        out.append(text[start:found] + stand_in)
        start = found + len(needle)
    return "".join(out) + text[start:]


def _redacted_fields(event: AuditEvent, actor: Actor, stand_in: str) -> dict:
    secrets = [s for s in (actor.name, actor.email) if s and len(s) >= 3]
    targets = [{**t, "name": stand_in} if t.get("id") == actor.external_id and t.get("name") else t
               for t in event.targets or []]
    fields = {"reason": _scrub(event.reason, secrets, stand_in), "targets": _scrub(targets, secrets, stand_in),
              "changes": _scrub(event.changes, secrets, stand_in),
              "metadata": _scrub(event.metadata, secrets, stand_in)}
    if event.actor_id == actor.pk:  # the source is the actor's own: another person's IP is not theirs to erase
        fields.update(source_ip=None, user_agent=None)
    return fields


def affected_events(actor: Actor):
    """The person's own events and those naming them as a target."""
    return AuditEvent.objects.filter(Q(actor=actor) | Q(target_rows__target_id=actor.external_id),
                                     organization_id=actor.organization_id).distinct().order_by("seq")


def _redact(erasure: Erasure, event: AuditEvent, fields: dict) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT trailproof_redact_event(%s, %s, %s, %s::jsonb, %s::jsonb, %s::jsonb)",
                           [erasure.pk, event.pk, fields["reason"], *(orjson.dumps(fields[k]).decode()
                                                                      for k in ("targets", "changes", "metadata"))])
        return
    with erasure_allowed():
        AuditEvent.objects.filter(pk=event.pk).update(**fields)


@transaction.atomic
def erase_person(*, organization: Organization, actor: Actor, legal_basis: str, acting: Acting) -> Erasure:
    """Erases the person's personal data from the organization's trail, or raises ValidationError saying why not."""
    actor = Actor.objects.select_for_update().get(pk=actor.pk)
    legal_basis = (legal_basis or "").strip()
    if not legal_basis or len(legal_basis) > MAX_BASIS:
        raise ValidationError({"legal_basis": f"Give the legal basis (1 to {MAX_BASIS} characters)."})
    refusal = _refusal(actor, organization)
    if refusal:
        raise ValidationError({"actor": refusal})
    stand_in = pseudonym(actor)
    erasure = Erasure.objects.create(organization=organization, actor=actor, pseudonym=stand_in,
                                     legal_basis=legal_basis, erased_by=acting.actor.get("id") or "")
    rows, redactions = [], []
    for event in affected_events(actor).select_related("organization", "actor"):
        if computed_hash(event) != event.hash:
            raise ValidationError({"actor": f"Event #{event.seq} does not match its hash: verify the chain and "
                                            "investigate before erasing."})
        fields = _redacted_fields(event, actor, stand_in)
        _redact(erasure, event, fields)
        event.refresh_from_db(fields=REDACTABLE)  # as stored: the hash an auditor recomputes
        rows.append((event.seq, event.hash, computed_hash(event)))
        redactions.append(Redaction(erasure=erasure, event=event, seq=event.seq, original_hash=event.hash,
                                    redacted_hash=rows[-1][2]))
    Redaction.objects.bulk_create(redactions, batch_size=1000)
    Actor.objects.filter(pk=actor.pk).update(name="", email="", erased_at=timezone.now())
    person_erased.send(sender=Erasure, organization=organization, actor_id=actor.external_id, pseudonym=stand_in)
    erasure.events_redacted, erasure.redactions_digest = len(rows), redactions_digest(rows)
    erasure.event = record_action(
        organization, "erasure.completed", acting, reason=legal_basis,
        targets=[{"type": "actor", "id": actor.external_id, "name": stand_in}],
        metadata={"erasure": erasure.pk, "pseudonym": stand_in, "legal_basis": legal_basis,
                  "events_redacted": len(rows), "redactions_digest": erasure.redactions_digest})
    erasure.save(update_fields=["events_redacted", "redactions_digest", "event"])
    return erasure


def verify_redactions(organization: Organization) -> tuple[int, str] | None:
    """(seq, problem) for the first erasure whose redactions its chained event does not vouch for."""
    for erasure in Erasure.objects.filter(organization=organization).select_related("event").order_by("pk"):
        rows = list(erasure.redactions.values_list("seq", "original_hash", "redacted_hash"))
        metadata = erasure.event.metadata if erasure.event else None
        if not metadata or metadata.get("redactions_digest") != redactions_digest(rows) \
                or metadata.get("erasure") != erasure.pk:
            seq = min((seq for seq, _, _ in rows), default=erasure.event.seq if erasure.event else 1)
            return seq, f"the redactions of erasure {erasure.pk} do not match its erasure.completed event"
    return None


def redactions_by_seq(organization: Organization) -> dict[int, tuple[str, str]]:
    """Seq to (chained hash, hash of the redacted content): the verifier accepts exactly these changes."""
    return {seq: (original, redacted) for seq, original, redacted in Redaction.objects.filter(
        erasure__organization=organization).values_list("seq", "original_hash", "redacted_hash")}
