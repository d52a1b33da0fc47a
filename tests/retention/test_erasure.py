"""GDPR erasure: the person's name, email, IPs and user agents leave every page, API answer and export."""
import pytest
from django.db import DatabaseError, transaction

from audit.acting import Acting
from audit.guard import erasure_allowed
from audit.models import Actor, AuditEvent, Erasure, Redaction
from audit.services.erasure import erase_person
from audit.services.holds import place_legal_hold
from audit.services.integrity import verify_chain
from audit.services.recording import record_events
from syslog.delivery import delivery_body
from syslog.models import WebhookDelivery
from tests.api.conftest import ALL_SCOPES, client_for, key_for
from tests.factories import event_payload

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])
SECRETS = ("Maria Lopez", "maria@example.com", "203.0.113.7", "MariaBrowser/1.0")
URL = "/settings/erasure/"


@pytest.fixture
def maria_events(org):
    source = {"ip": "203.0.113.7", "user_agent": "MariaBrowser/1.0"}
    events = [
        event_payload(source=source),
        event_payload(action="auth.login_failed", outcome="failure", source=source, targets=[],
                      reason="Wrong password for maria@example.com", metadata={"attempted_email": "maria@example.com"}),
        event_payload(actor={"kind": "user", "id": "u-200", "name": "Ben Boss"}, action="task.assigned",
                      targets=[{"type": "user", "id": "u-100", "name": "Maria Lopez"}],
                      changes={"assignee": {"before": None, "after": "Maria Lopez"}},
                      source={"ip": "198.51.100.9"}),
    ]
    return record_events(organization=org, events=events, recorded_via="key:test").events


def maria(org):
    return Actor.objects.get(organization=org, external_id="u-100")


def readable(response) -> str:
    return b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()


def everything_an_officer_and_a_key_can_read(client, officer, org, events) -> dict[str, str]:
    client.force_login(officer)
    actor = maria(org)
    pages = {url: readable(client.get(url)) for url in [
        "/audit/", "/audit/?actor=u-100", "/audit/actors/", "/audit/actors/?q=maria", f"/audit/actors/{actor.pk}/",
        "/audit/export/?format=csv", "/audit/export/?format=jsonl", "/audit/actors/lookup/?q=Mar",
        *(f"/audit/events/{e.pk}/" for e in events)]}
    api = client_for(key_for(org, ALL_SCOPES))
    pages.update({url: readable(api.get(url)) for url in [
        "/api/v1/events", "/api/v1/actors", "/api/v1/actors?q=maria", "/api/v1/export?format=csv",
        "/api/v1/export?format=jsonl", "/api/v1/export?format=ocsf", "/api/v1/runs/r-1/activity",
        *(f"/api/v1/events/{e.pk}" for e in events)]})
    pages.update({f"webhook {e.pk}": delivery_body(WebhookDelivery(organization_id=e.organization_id,
                                                                   event_id=e.pk)).decode() for e in events})
    return pages


def test_the_test_would_see_the_personal_data_before_erasure(client, officer, org, maria_events):
    pages = everything_an_officer_and_a_key_can_read(client, officer, org, maria_events)
    for secret in SECRETS:
        assert any(secret in body for body in pages.values()), secret


def test_erasure_removes_the_person_everywhere_and_the_chain_verifies(client, officer, org_admin, org,
                                                                      maria_events):
    client.force_login(org_admin)
    response = client.post(URL, {"actor": "u-100", "legal_basis": "GDPR art. 17(1)(a), request 7781",
                                 "confirm": "on"})
    assert response.status_code == 302
    erasure = Erasure.objects.get(organization=org)
    pages = everything_an_officer_and_a_key_can_read(client, officer, org, maria_events)
    for where, body in pages.items():
        for secret in SECRETS:
            assert secret not in body, f"{secret} still shown by {where}"
    assert erasure.pseudonym in pages[f"/audit/actors/{maria(org).pk}/"]
    assert erasure.pseudonym in pages["/api/v1/export?format=csv"]
    assert "198.51.100.9" in pages["/api/v1/export?format=jsonl"]  # another person's IP is not theirs to erase
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in maria_events]).count() == 3  # the events stay
    report = verify_chain(org)
    assert report.ok, report.problem
    done = AuditEvent.objects.get(organization=org, action="erasure.completed")
    assert done.actor.external_id == f"user:{org_admin.pk}" and done.reason == "GDPR art. 17(1)(a), request 7781"
    assert done.metadata["events_redacted"] == 3 and done.targets[0]["id"] == "u-100"


def test_a_redaction_altered_afterwards_breaks_the_chain(org, org_admin, maria_events):
    erase_person(organization=org, actor=maria(org), legal_basis="art. 17", acting=Acting.for_user(org_admin))
    Redaction.objects.filter(event_id=maria_events[0].pk).update(redacted_hash="0" * 64)
    report = verify_chain(org)
    assert not report.ok and "erasure" in report.problem


def test_erasure_is_refused_while_a_legal_hold_covers_the_person(client, org_admin, officer, org, maria_events):
    place_legal_hold(organization=org, reason="Case 12", acting=Acting.for_user(officer))
    client.force_login(org_admin)
    response = client.post(URL, {"actor": "u-100", "legal_basis": "art. 17", "confirm": "on"})
    assert response.status_code == 400
    assert "legal hold covers this person" in response.content.decode()
    assert not Erasure.objects.exists() and maria(org).name == "Maria Lopez"
    assert AuditEvent.objects.get(pk=maria_events[0].pk).source_ip == "203.0.113.7"


def test_erasure_needs_a_basis_a_confirmation_and_a_person(client, org_admin, org, maria_events):
    client.force_login(org_admin)
    assert client.post(URL, {"actor": "u-100", "legal_basis": "", "confirm": "on"}).status_code == 400
    assert client.post(URL, {"actor": "u-100", "legal_basis": "art. 17"}).status_code == 400
    assert client.post(URL, {"actor": "bot", "legal_basis": "art. 17", "confirm": "on"}).status_code == 400
    assert not Erasure.objects.exists()


@pytest.mark.parametrize("persona", ["officer", "manager", "member", "outsider"])
def test_only_the_organizations_admins_erase(client, org, maria_events, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(URL, {"actor": "u-100", "legal_basis": "art. 17", "confirm": "on"}).status_code == 403
    assert not Erasure.objects.exists() and maria(org).name == "Maria Lopez"


def test_the_redaction_path_lets_only_personal_data_columns_change(org, maria_events):
    event = maria_events[0]
    for change in ({"hash": "0" * 64}, {"action": "task.deleted"}, {"occurred_at": event.recorded_at},
                   {"source_ip": None, "seq": 999}):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), erasure_allowed():
            AuditEvent.objects.filter(pk=event.pk).update(**change)
    with transaction.atomic(), erasure_allowed():
        AuditEvent.objects.filter(pk=event.pk).update(source_ip=None, user_agent=None)
    assert AuditEvent.objects.get(pk=event.pk).source_ip is None
