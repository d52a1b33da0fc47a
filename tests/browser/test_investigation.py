"""An officer investigates in a real browser: sign in, filter by an actor, open an event, export CSV."""
import csv
import hashlib
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from audit.models import AuditEvent
from audit.services.recording import record_events
from tests.factories import PASSWORD, event_payload, make_organization, make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


@pytest.fixture
def acme():
    organization = make_organization("acme", "Acme Corp")
    make_person(organization, "officer@acme.test", "compliance_officer", "Olivia Officer")
    record_events(organization=organization, recorded_via="tests", events=[
        event_payload(),
        event_payload(action="auth.login_failed", outcome="failure", reason="Wrong password", targets=[],
                      run=None, task=None),
        event_payload(action="task.assigned", actor={"kind": "bot"},
                      automation={"id": "auto-assign", "name": "Round-robin", "trigger": "run.launched"}),
        event_payload(action="form.field_updated", actor={"kind": "user", "id": "u-200", "name": "Jon Smith"},
                      changes={"amount": {"before": 10, "after": 25}}),
    ])
    return organization


@pytest.fixture
def globex_officer():
    globex = make_organization("globex", "Globex Inc")
    record_events(organization=globex, recorded_via="tests",
                  events=[event_payload(actor={"kind": "user", "id": "g-1", "name": "Gina Globex"})])
    return make_person(globex, "officer@globex.test", "compliance_officer", "Otto Outsider")


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/audit/")


def test_an_officer_filters_by_actor_opens_an_event_and_exports_csv(page, live_server, acme, globex_officer):
    sign_in(page, live_server, "officer@acme.test")
    assert page.locator("h1").inner_text() == "Audit trail of Acme Corp"
    assert "Gina Globex" not in page.content()

    page.fill("input[name=actor]", "u-100")
    page.click("text=Apply filters")
    page.wait_for_url("**actor=u-100**")
    actors = page.locator("tbody tr td:nth-child(3) a").all_inner_texts()
    assert actors and set(actors) == {"Maria Lopez"}
    assert page.locator("tr.failed").count() == 1  # the failed sign-in stands out

    page.locator("tbody tr:not(.failed) td:nth-child(2) a").first.click()
    page.wait_for_url("**/audit/events/**")
    assert "task.completed" in page.locator("h1").inner_text()
    assert page.locator("#chain-status").inner_text().startswith("Verified")
    page.go_back()

    with page.expect_download() as download_info:
        page.click("a.button:text-is('CSV')")
    body = Path(download_info.value.path()).read_bytes()
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert {r["actor_id"] for r in rows} == {"u-100"} and {r["action"] for r in rows} == {
        "task.completed", "auth.login_failed"}

    page.goto(f"{live_server.url}/audit/exports/")
    assert hashlib.sha256(body).hexdigest() in page.locator("code.sha").first.inner_text()
    exported = AuditEvent.objects.get(organization=acme, action="audit.exported")
    manifest = json.loads(page.request.get(f"{live_server.url}/audit/exports/{exported.pk}/manifest.json").body())
    assert manifest["row_count"] == 2 and manifest["filters"] == {"actor": "u-100"}


def test_an_outsider_officer_is_refused_the_other_organization_in_the_browser(page, live_server, acme,
                                                                              globex_officer):
    sign_in(page, live_server, "officer@globex.test")
    assert "Gina Globex" in page.content() and "Maria Lopez" not in page.content()
    response = page.goto(f"{live_server.url}/audit/?org=acme")
    assert response.status == 403 and "Maria Lopez" not in page.content()


def test_the_trail_screenshot_for_the_readme(page, live_server, acme, tmp_path):
    from datetime import UTC, datetime, timedelta

    from audit.models import User
    from bench.generate import payloads

    User.objects.filter(email="officer@acme.test").update(time_zone="Europe/Berlin")
    end = datetime.now(UTC) - timedelta(seconds=5)
    record_events(organization=acme, recorded_via="tests",
                  events=list(payloads(events=60, actors=12, start=end - timedelta(minutes=50), end=end)))
    sign_in(page, live_server, "officer@acme.test")
    shot = tmp_path / "screenshot-trail.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    if os.environ.get("TRAILPROOF_UPDATE_SCREENSHOTS"):
        shutil.copy(shot, Path(__file__).resolve().parents[2] / "docs" / "screenshot-trail.png")
