"""A manager answers "who did what in this run, and what did the automation do?" in a real browser."""
import os
import shutil
from pathlib import Path

import pytest

from audit.services.recording import record_events
from tests.activity.conftest import blueprint_story, story
from tests.factories import PASSWORD, make_organization, make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def acme():
    organization = make_organization("acme", "Acme Corp")
    make_person(organization, "manager@acme.test", "manager", "Mona Manager")
    record_events(organization=organization, recorded_via="tests",
                  events=story() + story({"id": "run-2", "name": "Hiring Q3"}, start=300) + blueprint_story((5, 4)))
    return organization


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/activity/")


def test_a_manager_reads_a_run_and_what_the_automation_did(page, live_server, acme):
    sign_in(page, live_server, "manager@acme.test")
    page.click("text=Budget 2027")
    page.wait_for_url("**/activity/runs/run-1/?tab=activity")
    page.click("nav.tabs >> text=Details")
    page.wait_for_url("**/activity/runs/run-1/?tab=details")
    assert "Budget approval" in page.content() and page.get_by_role("link", name="Upload documents").count() == 1
    page.click("nav.tabs >> text=Activity")
    page.wait_for_url("**/activity/runs/run-1/?tab=activity")

    bot_entry = page.locator("li.by-bot", has_text="assigned Upload documents").first
    assert not bot_entry.locator(".automation").is_visible()
    bot_entry.locator("summary").click()
    automation = bot_entry.locator(".automation").inner_text()
    assert automation == "Auto-assign reviewers, triggered by Approve budget completed"

    page.select_option("select[name=person]", "bot")
    page.click("text=Apply filters")
    page.wait_for_url("**person=bot**")
    sentences = page.locator("ol.feed .sentence").all_inner_texts()
    assert len(sentences) == 2 and all(s.startswith("Automation Bot") for s in sentences)
    assert page.locator("ol.feed > li:not(.by-bot)").count() == 0
    assert "tab=activity" in page.url


def test_a_manager_opens_a_blueprints_merged_version_and_compares(page, live_server, acme):
    sign_in(page, live_server, "manager@acme.test")
    page.click("header >> text=Blueprints")
    page.click("text=Budget approval")
    page.click("nav.tabs >> text=Activity")
    merged = "Version 2 published by Maria Lopez: 4 draft edits by 2 people merged"
    merge = page.locator("ol.feed > li", has_text=merged)
    merge.locator("summary").click()
    assert merge.locator("ol.merged > li").count() == 4
    merge.locator("text=Compare with version 1").click()
    page.wait_for_url("**/versions/1/compare/2/")
    assert page.locator("tr.changed").count() == 2


def test_the_activity_screenshots_for_the_readme(page, live_server, tmp_path):
    """Taken from the demo (seed_demo), as Maria Lopez, a manager: what the README shows is what the demo shows."""
    from django.core.management import call_command

    from audit.management.commands.seed_demo import DEMO_PASSWORD

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "maria.lopez@northwind.demo")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/activity/")
    page.click("section.run-group h2 a >> nth=0")
    page.locator("li.by-bot", has_text="assigned").first.locator("summary").click()
    shots = {"screenshot-run-activity.png": tmp_path / "run.png", "screenshot-version-compare.png": tmp_path / "v.png"}
    page.screenshot(path=str(shots["screenshot-run-activity.png"]), full_page=True)
    page.goto(f"{live_server.url}/activity/blueprints/bp-onboarding/versions/3/compare/4/")
    assert page.locator("tr.changed").count() >= 3
    page.screenshot(path=str(shots["screenshot-version-compare.png"]), full_page=True)
    for name, shot in shots.items():
        assert shot.stat().st_size > 10_000
        if os.environ.get("TRAILPROOF_UPDATE_SCREENSHOTS"):
            shutil.copy(shot, DOCS / name)
