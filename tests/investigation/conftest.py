"""Fixtures of the investigation tests: a small realistic trail and signed-in clients for each persona."""
import pytest
from django.test import Client

from audit.acting import Acting
from audit.models import Actor
from audit.services.recording import record_action, record_events
from tests.factories import event_payload


@pytest.fixture
def trail(org):
    """A person, an API client and the bot acting in `org`, with one failure and one change."""
    events = [
        event_payload(actor={"kind": "user", "id": "u-100", "name": "Maria Lopez", "email": "maria@example.com"}),
        event_payload(action="auth.login_failed", outcome="failure", reason="Wrong password",
                      actor={"kind": "user", "id": "u-100", "name": "Maria Lopez", "email": "maria@example.com"},
                      targets=[], run=None, task=None),
        event_payload(action="form.field_updated", actor={"kind": "api_client", "id": "client-7", "name": "ERP sync"},
                      changes={"amount": {"before": 10, "after": 25}}),
        event_payload(action="task.assigned", actor={"kind": "bot"},
                      automation={"id": "auto-assign", "name": "Round-robin", "trigger": "run.launched"}),
        event_payload(action="task.commented", actor={"kind": "user", "id": "u-200", "name": "Jon Smith"},
                      run={"id": "r-2", "name": "Other run"}, task={"id": "t-9"},
                      targets=[{"type": "task", "id": "t-9"}]),
    ]
    record_events(organization=org, events=events, recorded_via="tests")
    return org


@pytest.fixture
def maria(trail):
    return Actor.objects.get(organization=trail, external_id="u-100")


@pytest.fixture
def globex_event(other_org):
    return record_action(other_org, "task.completed", Acting.for_system("tests"))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_officer(officer):
    return signed_in(officer)


@pytest.fixture
def as_outsider(outsider):
    return signed_in(outsider)


def denials(organization):
    from audit.models import AuditEvent

    return AuditEvent.objects.filter(organization=organization, action="authz.denied")
