"""The production server (gunicorn, DEBUG off, WhiteNoise) in a real browser: a styled admin, working API docs."""
import pytest

from tests.factories import PASSWORD, make_organization, make_person
from tests.servers import production_env, production_server

pytestmark = [pytest.mark.browser, pytest.mark.postgres_only,
              pytest.mark.django_db(transaction=True, databases="__all__")]


@pytest.fixture
def server(tmp_path):
    with production_server(production_env(tmp_path / "static"), tmp_path / "gunicorn.log") as url:
        yield url


@pytest.fixture
def officer_email(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # what production checks
    make_person(make_organization("acme", "Acme Corp"), "officer@acme.test", "compliance_officer", "Olivia Officer")
    return "officer@acme.test"


def sign_in(page, url, email):
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/audit/")


def _watch_static(page) -> list[tuple[str, int]]:
    seen = []
    page.on("response", lambda response: seen.append((response.url, response.status))
            if "/static/" in response.url else None)
    return seen


def test_the_admin_is_styled_when_served_by_gunicorn_with_debug_off(page, server, officer_email):
    static = _watch_static(page)
    sign_in(page, server, officer_email)
    page.goto(f"{server}/admin/")
    assert page.locator("#site-name").is_visible()
    stylesheets = page.evaluate("[...document.styleSheets].filter(s => s.href).map(s => s.cssRules.length)")
    assert stylesheets and all(rules > 0 for rules in stylesheets)
    header = page.evaluate("getComputedStyle(document.querySelector('#header')).backgroundColor")
    assert header not in ("rgba(0, 0, 0, 0)", "transparent")  # base.css colours the header
    assert any("/static/admin/css/base." in url for url, _ in static)
    assert [(url, status) for url, status in static if status != 200] == []


def test_the_api_docs_render_their_operations(page, server, officer_email):
    static = _watch_static(page)
    sign_in(page, server, officer_email)
    page.goto(f"{server}/api/docs/")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/events" in path for path in paths)
    assert any("swagger-ui-bundle" in url for url, _ in static)
    assert [(url, status) for url, status in static if status != 200] == []


def test_static_files_are_compressed_and_cached_for_long(server):
    import re

    import requests

    docs = requests.get(f"{server}/api/docs/", timeout=10)
    asset = re.search(r'src="(/static/[^"]+swagger-ui-bundle\.[0-9a-f]{12}\.js)"', docs.text)
    assert asset, "the docs page names its assets by content hash"
    response = requests.get(server + asset.group(1), headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "max-age=315360000" in response.headers["Cache-Control"]
