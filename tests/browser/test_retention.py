"""An admin sets the retention policy in a real browser; an officer places a legal hold and sees the purge history."""
from datetime import UTC, datetime, timedelta

import pytest

from audit.models import LegalHold, Organization
from audit.services.retention import purge_bot, purge_expired_events
from tests.factories import PASSWORD, make_organization, make_person
from tests.retention.conftest import record_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_an_admin_chooses_hipaa_and_a_too_short_period_is_explained(page, live_server):
    acme = make_organization("acme", "Acme Corp")
    make_person(acme, "admin@acme.test", "admin", "Adam Admin")
    sign_in(page, live_server, "admin@acme.test")
    page.click("header >> text=Retention")
    page.check("input[value=hipaa]")
    page.fill("input[name=retention_days]", "400")
    page.click("text=Save policy")
    assert "at least 2190 days under HIPAA" in page.content()
    page.fill("input[name=retention_days]", "")
    page.click("text=Save policy")
    assert "Retention policy saved." in page.content()
    assert Organization.objects.get(slug="acme").retention_days == 2190


def test_an_officer_holds_an_actor_and_reads_the_purge_history(page, live_server):
    acme = make_organization("acme", "Acme Corp")
    make_person(acme, "officer@acme.test", "compliance_officer", "Olivia Officer")
    record_at(acme, datetime.now(UTC) - timedelta(days=400), count=2)
    [receipt] = purge_expired_events(acme, acting=purge_bot("tests")).receipts
    record_at(acme, datetime.now(UTC) - timedelta(days=1))
    sign_in(page, live_server, "officer@acme.test")
    page.click("header >> text=Legal holds")
    page.fill("input[name=actor]", "u-100")
    page.fill("textarea[name=reason]", "Case 42: supplier dispute")
    page.click("text=Place legal hold")
    assert "in force" in page.content() and LegalHold.objects.get().actor.external_id == "u-100"
    page.goto(f"{live_server.url}/audit/integrity/", timeout=60_000)
    history = page.locator("text=Purge history").locator("..").inner_text()
    assert "Case 42: supplier dispute" in history and f"#{receipt.ranges[0]['first_seq']}" in history
