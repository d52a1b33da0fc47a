"""Legal holds: held events outlive their retention, the receipt says so, and placing/releasing is recorded."""
import pytest

from audit.acting import Acting
from audit.models import Actor, AuditEvent, LegalHold
from audit.services.holds import place_legal_hold, release_legal_hold
from audit.services.integrity import verify_chain
from tests.retention.conftest import DAY, purge, record_at

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])
URL = "/settings/legal-holds/"


def maria(org):
    return Actor.objects.get(organization=org, external_id="u-100")


def test_an_organization_hold_keeps_everything_and_the_receipt_says_so(org, officer, now):
    old = record_at(org, now - 400 * DAY, count=3)
    place_legal_hold(organization=org, reason="Litigation 2026-17", acting=Acting.for_user(officer))
    outcome = purge(org)
    assert outcome.deleted == 0
    [receipt] = outcome.receipts
    assert receipt.count == 0 and receipt.held_back == 3 and receipt.ranges == []
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in old]).count() == 3
    assert verify_chain(org).ok


def test_an_actor_hold_keeps_only_that_actors_events_until_released(org, officer, now):
    held = record_at(org, now - 400 * DAY, count=2)
    other = record_at(org, now - 400 * DAY, actor={"kind": "user", "id": "u-200", "name": "Ben"})
    hold = place_legal_hold(organization=org, actor=maria(org), reason="Subject access dispute",
                            acting=Acting.for_user(officer))
    [receipt] = purge(org).receipts
    assert receipt.count == 1 and receipt.held_back == 2
    assert not AuditEvent.objects.filter(pk=other[0].pk).exists()
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in held]).count() == 2

    release_legal_hold(hold=hold, reason="Dispute settled", acting=Acting.for_user(officer))
    [receipt] = purge(org).receipts
    assert receipt.count == 2 and receipt.held_back == 0
    assert verify_chain(org).ok


def test_placing_and_releasing_are_audit_events(org, officer):
    hold = place_legal_hold(organization=org, reason="Regulator inquiry", acting=Acting.for_user(officer))
    release_legal_hold(hold=hold, reason="Inquiry closed", acting=Acting.for_user(officer))
    placed = AuditEvent.objects.get(organization=org, action="legal_hold.placed")
    released = AuditEvent.objects.get(organization=org, action="legal_hold.released")
    assert placed.reason == "Regulator inquiry" and released.reason == "Inquiry closed"
    assert placed.targets[0]["type"] == "organization" and placed.actor.external_id == f"user:{officer.pk}"


def test_an_officer_places_and_releases_a_hold_on_the_page(client, officer, org, now):
    record_at(org, now - DAY)
    client.force_login(officer)
    assert client.post(URL, {"actor": "u-100", "reason": "Case 42"}).status_code == 302
    hold = LegalHold.objects.get(organization=org)
    assert hold.actor == maria(org) and hold.active
    page = client.get(URL).content.decode()
    assert "Case 42" in page and "in force" in page
    refused = client.post(f"{URL}{hold.pk}/release/", {"reason": "done\x00"})
    assert refused.status_code == 400 and "NUL" in refused.content.decode()
    hold.refresh_from_db()
    assert hold.active
    assert client.post(f"{URL}{hold.pk}/release/", {"reason": "done"}).status_code == 302
    hold.refresh_from_db()
    assert not hold.active


def test_a_hold_needs_a_reason_and_a_known_actor(client, org_admin, org):
    client.force_login(org_admin)
    assert client.post(URL, {"actor": "", "reason": ""}).status_code == 400
    response = client.post(URL, {"actor": "nobody", "reason": "x"})
    assert response.status_code == 400 and "No actor with this id" in response.content.decode()
    assert not LegalHold.objects.exists()


@pytest.mark.parametrize("persona", ["manager", "member"])
def test_others_cannot_place_or_release_holds(client, org, officer, persona, request):
    hold = place_legal_hold(organization=org, reason="Case 7", acting=Acting.for_user(officer))
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"reason": "mine"}).status_code == 403
    assert client.post(f"{URL}{hold.pk}/release/").status_code in (403, 404)
    hold.refresh_from_db()
    assert hold.active and LegalHold.objects.count() == 1


def test_an_outsider_officer_cannot_release_another_organizations_hold(client, org, officer, outsider):
    hold = place_legal_hold(organization=org, reason="Case 8", acting=Acting.for_user(officer))
    client.force_login(outsider)
    assert "Case 8" not in client.get(URL).content.decode()
    assert client.post(f"{URL}{hold.pk}/release/").status_code == 404
    hold.refresh_from_db()
    assert hold.active
