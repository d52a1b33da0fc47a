"""Security operations the system log keeps, derived from what the trail records (audit never calls syslog).

A switch to the admin role is a `member.role_changed` whose role went to admin from another role; a person
created as an admin (`member.added`) did not switch. Password resets mirror their `auth.password_reset_*`
events. Each entry is written after the recording commits.
"""
from functools import partial

from django.db import transaction

from .services import log_system_event

RESET_KINDS = {"auth.password_reset_requested": ("password_reset.requested", "Password reset requested for {}"),
               "auth.password_reset_completed": ("password_reset.completed", "Password reset completed for {}")}


def log_security_operations(organization, events) -> None:
    for event in events:
        entry = _entry_for(event)
        if entry is not None:
            transaction.on_commit(partial(log_system_event, organization_id=organization.pk,
                                          occurred_at=event.occurred_at, **entry), using="default")


def _entry_for(event) -> dict | None:
    if event.action == "member.role_changed":
        return _admin_switch(event)
    if event.action in RESET_KINDS:
        kind, message = RESET_KINDS[event.action]
        return {"kind": kind, "severity": "info", "message": message.format(event.actor.name or "a member"),
                "details": {"user": event.actor.external_id}}
    return None


def _admin_switch(event) -> dict | None:
    role = (event.changes or {}).get("role") or {}
    before, after = role.get("before"), role.get("after")
    if after != "admin" or before in (None, "admin"):
        return None
    person = next((t for t in event.targets or [] if t.get("type") == "user"), {})
    return {"kind": "role.switched_to_admin", "severity": "warning",
            "message": f"{person.get('name') or person.get('id')} switched to the admin role",
            "details": {"user": person.get("id"), "previous_role": before, "by": event.actor.external_id}}
