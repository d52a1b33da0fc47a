"""Fixtures for checkpoints and proofs: a signing key of the test's own, a trail with checkpoints."""
import pytest

from audit.services.checkpoints import sign_checkpoint
from audit.services.recording import record_events
from tests.audit.conftest import run_command  # noqa: F401 (the command runner fixture, shared)
from tests.factories import event_payload


@pytest.fixture(autouse=True)
def signing_key_file(settings, tmp_path):
    settings.SIGNING_KEY = None
    settings.SIGNING_KEY_FILE = str(tmp_path / "signing-key.pem")
    settings.SIGNING_KEY_GENERATE = True
    return tmp_path / "signing-key.pem"


def add_events(org, count: int, **fields):
    for start in range(0, count, 1000):
        record_events(organization=org, events=[event_payload(reason=f"note {start + n}", **fields)
                                                for n in range(min(1000, count - start))], recorded_via="tests")


@pytest.fixture
def signed_trail(org):
    """`org` with 3 checkpoints: tree sizes 10, 25 and 40."""
    for count in (9, 15, 15):
        add_events(org, count)
        sign_checkpoint(org)
    return org
