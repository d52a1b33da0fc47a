"""The README's create_api_key example works as written, and the command fails loudly on bad input."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client

from audit.models import ApiKey
from tests.factories import make_organization

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(databases=["default", "syslog"], transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "README.md"


def readme_block() -> str:
    text = DOC.read_text()
    after = text.split("<!-- create_api_key example", 1)[1]
    return re.search(r"```sh\n(.*?)```", after, re.S).group(1)


def _url(alias: str) -> str:
    c = connections[alias].settings_dict
    return f"postgres://{c['USER']}:{c['PASSWORD']}@{c['HOST'] or '127.0.0.1'}:{c['PORT'] or 5432}/{c['NAME']}"


@pytest.fixture
def shell(tmp_path):
    """A checkout as the README assumes it: `.venv/bin/python` and `manage.py` in the working directory."""
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    wrapper = tmp_path / ".venv" / "bin" / "python"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    wrapper.chmod(0o755)
    (tmp_path / "manage.py").symlink_to(ROOT / "manage.py")
    env = {key: value for key, value in os.environ.items()
           if key not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "TRAILPROOF_TEST_DB_SUFFIX"}}
    env.update(DATABASE_URL=_url("default"), SYSLOG_DATABASE_URL=_url("syslog"), PYTHONPATH=str(ROOT))

    def run(script: str):
        return subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=120)

    run.cwd = tmp_path
    return run


def test_the_readme_example_creates_a_key_that_works(shell):
    make_organization("northwind", "Northwind Logistics")
    done = shell(readme_block() + 'printf "%s" "$KEY" > key.txt\n')
    assert done.returncode == 0, done.stderr
    assert "API key created: tp_" in done.stdout
    plain = (shell.cwd / "key.txt").read_text()
    response = Client().get("/api/v1/events", HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert response.status_code == 200 and ApiKey.objects.count() == 1


@pytest.mark.parametrize("change, message", [
    (("northwind --scopes", "nowhere --scopes"), "No organization with the slug 'nowhere'"),
    (("events:write,events:read,export", "events:everything"), "Unknown scope events:everything"),
    (("export DEBUG=1", "unset DEBUG SECRET_KEY"), "Trailproof is not configured: SECRET_KEY must be set"),
])
def test_bad_input_exits_non_zero_with_a_clear_message_and_creates_nothing(shell, change, message):
    make_organization("northwind", "Northwind Logistics")
    done = shell(readme_block().replace(*change) + 'echo "KEY=[$KEY]"; exit 0\n')
    assert message in done.stderr and "Traceback" not in done.stderr
    assert "KEY=[]" in done.stdout and "API key created" not in done.stdout
    assert not ApiKey.objects.exists()
