"""The menu fits the window: an admin's longest menu wraps instead of pushing Sign out off the screen."""
import pytest

from tests.browser.test_retention import sign_in
from tests.factories import make_organization, make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


@pytest.mark.parametrize("width", [1024, 1280])
def test_an_admin_sees_the_whole_menu_and_sign_out_without_scrolling_sideways(page, live_server, width):
    acme = make_organization("acme", "Acme Corp")
    make_person(acme, "admin@acme.test", "admin", "Adam Admin")
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, live_server, "admin@acme.test")

    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for name in ("Audit trail", "Alerts", "System log", "Legal holds", "Admin", "Profile", "Sign out"):
        box = page.locator("header").get_by_text(name, exact=True).first.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width, name
