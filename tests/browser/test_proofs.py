"""An auditor in a real browser: the event's proof, the latest checkpoint, and a bundle that verifies offline."""
import subprocess
import sys
from pathlib import Path

import pytest

from audit.models import AuditEvent
from audit.services.checkpoints import sign_checkpoint
from tests.browser.test_investigation import acme, globex_officer, sign_in  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def signing_key(settings, tmp_path):
    settings.SIGNING_KEY, settings.SIGNING_KEY_FILE = None, str(tmp_path / "key.pem")


def test_an_auditor_sees_the_proof_and_verifies_the_downloaded_bundle(page, live_server, acme, tmp_path):  # noqa: F811
    size = sign_checkpoint(acme).tree_size
    event = AuditEvent.objects.get(organization=acme, seq=3)
    sign_in(page, live_server, "officer@acme.test")
    page.goto(f"{live_server.url}/audit/events/{event.pk}/")
    assert page.locator("#inclusion").inner_text().startswith(f"Proven included in checkpoint 1 (tree size {size},")

    page.goto(f"{live_server.url}/audit/integrity/")
    assert f"{size} events" in page.locator("#latest-checkpoint").inner_text()
    with page.expect_download() as download_info:
        page.click("#latest-checkpoint a:text-is('verification bundle')")
    bundle = tmp_path / "trail.bundle.zip"
    Path(download_info.value.path()).rename(bundle)
    keys = tmp_path / "keys.json"
    keys.write_bytes(page.request.get(f"{live_server.url}/.well-known/trailproof-keys.json").body())
    run = subprocess.run([sys.executable, "-m", "audit.verify_bundle", bundle, "--keys", keys], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "VALID: " in run.stdout, run.stdout + run.stderr
