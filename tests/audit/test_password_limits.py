"""Password resets are rate limited per account and per address; a password change commits with its event."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

from audit.models import AuditEvent, User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])
ROOT = Path(__file__).resolve().parents[2]


def reset(client, email, ip="198.51.100.4"):
    return client.post("/accounts/password_reset/", {"email": email}, REMOTE_ADDR=ip)


def requested(organization):
    return AuditEvent.objects.filter(organization=organization, action="auth.password_reset_requested").count()


def test_a_flood_for_one_account_sends_and_records_three(client, member, org, settings):
    answers = [reset(client, member.email, ip=f"198.51.100.{n}") for n in range(10)]
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, "/accounts/password_reset/done/")}
    assert requested(org) == settings.TRAILPROOF_PASSWORD_RESET_LIMITS["account"][0] == len(mail.outbox)


def test_a_flood_from_one_address_stops_filling_every_trail(client, org, other_org, member, outsider, settings):
    limit = settings.TRAILPROOF_PASSWORD_RESET_LIMITS["address"][0]
    for n in range(limit):
        reset(client, f"nobody{n}@example.test", ip="203.0.113.66")
    reset(client, member.email, ip="203.0.113.66")
    reset(client, outsider.email, ip="203.0.113.66")
    assert requested(org) == requested(other_org) == 0 and not mail.outbox
    reset(Client(), member.email, ip="203.0.113.67")  # another address is served
    assert requested(org) == 1


def test_an_outsider_is_not_limited_by_a_flood_against_someone_else(client, member, outsider, other_org):
    for _ in range(5):
        reset(client, member.email, ip="203.0.113.10")
    reset(Client(), outsider.email, ip="203.0.113.11")
    assert requested(other_org) == 1


def test_a_password_change_and_its_event_commit_together(member, org, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(member)

    def recording_fails(*args, **kwargs):
        raise RuntimeError("the trail is unavailable")

    monkeypatch.setattr("audit.views.accounts.record_action", recording_fails)
    new = "a brand new passphrase 91"
    response = client.post("/accounts/password_change/",
                           {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 500
    assert User.objects.get(pk=member.pk).check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="auth.password_changed").exists()


def test_the_testing_flag_no_longer_opens_allowed_hosts_in_real_settings():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "auditproject.settings", "SECRET_KEY": "x", "DEBUG": "0",
           "TRAILPROOF_TESTING": "1"}
    env.pop("ALLOWED_HOSTS", None)
    script = "import django; django.setup(); from django.conf import settings; print(settings.ALLOWED_HOSTS)"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.stdout.strip() == "[]", done.stderr
