"""Builders for test data: organizations, people and event payloads."""
from datetime import UTC, datetime, timedelta

from audit.acting import Acting
from audit.models import Organization, User
from audit.services.tenancy import add_member, create_organization

PASSWORD = "correct horse battery"


def make_organization(slug: str, name: str) -> Organization:
    return create_organization(slug=slug, name=name, acting=Acting.for_system("tests"))


def make_person(organization, email: str, role: str, name: str = "") -> User:
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, password=PASSWORD, full_name=name)
    add_member(organization=organization, user=user, role=role, acting=Acting.for_system("tests"))
    return user


def event_payload(**overrides) -> dict:
    event = {
        "action": "task.completed",
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat().replace("+00:00", "Z"),
        "actor": {"kind": "user", "id": "u-100", "name": "Maria Lopez", "email": "maria@example.com"},
        "targets": [{"type": "task", "id": "t-1", "name": "Approve invoice"}],
        "run": {"id": "r-1", "name": "Invoice 2041"},
        "task": {"id": "t-1", "name": "Approve invoice"},
    }
    event.update(overrides)
    return event
