"""A person sets their time zone in a real browser: the page offers the browser's zone, and pages then use it."""
import pytest

from audit.models import User
from tests.factories import PASSWORD, make_organization, make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_the_profile_offers_the_browsers_time_zone_and_saves_it(browser, live_server):
    organization = make_organization("acme", "Acme Corp")
    officer = make_person(organization, "officer@acme.test", "compliance_officer", "Olivia Officer")
    make_person(make_organization("globex", "Globex Inc"), "officer@globex.test", "compliance_officer", "Otto")
    context = browser.new_context(timezone_id="Asia/Tokyo")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", officer.email)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.click("text=Profile")
        assert page.input_value("#id_time_zone") == "Asia/Tokyo"
        assert "Your browser is set to Asia/Tokyo" in page.inner_text("#browser-zone")
        page.click("#profile-form button[type=submit]")
        page.wait_for_selector("text=Times are now shown in Asia/Tokyo")
        assert User.objects.get(pk=officer.pk).time_zone == "Asia/Tokyo"
        assert User.objects.get(email="officer@globex.test").time_zone == "UTC"
        page.goto(f"{live_server.url}/audit/")
        assert "(Asia/Tokyo)" in page.inner_text("main")
    finally:
        context.close()
