"""The demo's retention story: a policy, a past purge with its receipt, a legal hold and an erasure, all verifiable."""
from datetime import timedelta

from django.utils import timezone

from audit.acting import Acting
from audit.models import Actor
from audit.services.erasure import erase_person
from audit.services.holds import place_legal_hold
from audit.services.recording import record_events
from audit.services.retention import purge_bot, purge_expired_events
from audit.services.retention_policy import set_retention_policy

LEGACY_DAYS = 8 * 365  # older than the financial-services period: what the first purge removed
FORMER_EMPLOYEE = {"kind": "user", "id": "platform:user-7781", "name": "Chris Dalton",
                   "email": "chris.dalton@northwind.demo"}


def _legacy_events(now) -> list[dict]:
    """Records imported from the previous system, late: their occurred_at is eight years back."""
    start = now - timedelta(days=LEGACY_DAYS + 30)
    return [{"action": "task.completed", "occurred_at": start + timedelta(hours=6 * i),
             "actor": {"kind": "user", "id": "legacy:ops", "name": "Legacy operations"},
             "task": {"id": f"legacy-t-{i}", "name": "Archived shipment check"},
             "event_id": f"legacy-{i}"} for i in range(40)]


def _former_employee_events(now) -> list[dict]:
    source = {"ip": "203.0.113.77", "user_agent": "Mozilla/5.0 (Windows NT 10.0) Edge/118.0"}
    return [{"action": action, "occurred_at": now - timedelta(days=days), "actor": FORMER_EMPLOYEE,
             "source": source, "task": {"id": f"t-dalton-{days}", "name": "Carrier review"}}
            for action, days in (("auth.login", 40), ("task.completed", 40), ("task.commented", 39))]


def seed_retention_story(organization, *, admin, officer, held_person) -> None:
    now = timezone.now()
    set_retention_policy(organization=organization, acting=Acting.for_user(admin), retention_preset="financial",
                         retention_days=2555, activity_retention_days=365, system_log_retention_days=90)
    record_events(organization=organization, events=_legacy_events(now), recorded_via="system:seed_demo")
    purge_expired_events(organization, acting=purge_bot("daily schedule"))
    held = Actor.objects.get(organization=organization, external_id=held_person)
    place_legal_hold(organization=organization, actor=held, acting=Acting.for_user(officer),
                     reason="Freight damage dispute with DB Schenker, case NW-2026-114: keep every record.")
    record_events(organization=organization, events=_former_employee_events(now), recorded_via="api_key:erp-sync")
    former = Actor.objects.get(organization=organization, external_id=FORMER_EMPLOYEE["id"])
    erase_person(organization=organization, actor=former, acting=Acting.for_user(admin),
                 legal_basis="GDPR art. 17(1)(a): request of the former employee, ticket HR-2291.")
