"""Project-level behaviour: production-safe settings, the database router, email settings."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from audit.models import AuditEvent
from auditproject.email import email_settings_from_url
from auditproject.routers import SystemLogRouter
from syslog.models import SystemLogEntry

ROOT = Path(__file__).resolve().parent.parent


def _start_django(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "TRAILPROOF_TESTING"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="auditproject.settings")
    return subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=300)


def test_it_refuses_to_start_without_secret_key_when_debug_is_off():
    result = _start_django(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


FERNET_KEY = "JyoN9Gq0H1X3v8m2m2Xo5pA2kqjJ8r3cV9m1QwLh0mE="


def test_it_starts_with_a_secret_key_and_an_encryption_key():
    result = _start_django(DEBUG="0", SECRET_KEY="a-real-secret", FIELD_ENCRYPTION_KEYS=FERNET_KEY)
    assert result.returncode == 0, result.stderr


def test_it_refuses_to_start_without_an_encryption_key_when_debug_is_off():
    result = _start_django(DEBUG="0", SECRET_KEY="a-real-secret", FIELD_ENCRYPTION_KEYS="")
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must be set when DEBUG is off" in result.stderr


def test_it_rejects_a_bad_boolean_setting():
    result = _start_django(DEBUG="maybe", SECRET_KEY="x")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_system_logs_live_in_their_own_database():
    router = SystemLogRouter()
    assert router.db_for_write(SystemLogEntry) == "syslog"
    assert router.db_for_read(AuditEvent) == "default"
    assert router.allow_migrate("syslog", "syslog") and not router.allow_migrate("default", "syslog")
    assert router.allow_migrate("default", "audit") and not router.allow_migrate("syslog", "audit")


def test_email_url_becomes_smtp_settings():
    config = email_settings_from_url("smtp+tls://mailer:s%40cret@mail.example.com:587")
    assert config["EMAIL_HOST"] == "mail.example.com" and config["EMAIL_PORT"] == 587
    assert config["EMAIL_HOST_USER"] == "mailer" and config["EMAIL_HOST_PASSWORD"] == "s@cret"
    assert config["EMAIL_USE_TLS"] is True


def test_email_url_with_unknown_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        email_settings_from_url("ftp://example.com")


def test_cache_url_shares_throttle_counters_through_redis():
    script = ("import django; django.setup(); from django.core.cache import cache; "
              "cache.set('trailproof-test-shared', 'seen', 30)")
    env = {k: v for k, v in os.environ.items() if k != "TRAILPROOF_TESTING"}
    env.update(DJANGO_SETTINGS_MODULE="auditproject.settings", SECRET_KEY="x", CACHE_URL="redis://127.0.0.1:6379/3",
               FIELD_ENCRYPTION_KEYS=FERNET_KEY)
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=300)
    reader = ("import django; django.setup(); from django.core.cache import cache; "
              "print(cache.get('trailproof-test-shared'))")
    result = subprocess.run([sys.executable, "-c", reader], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.stdout.strip() == "seen"


def test_audit_depends_on_neither_activity_nor_syslog():
    """activity and syslog listen to what audit announces (audit/events.py); audit names neither, in code or pages."""
    for path in (ROOT / "audit").rglob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+(activity|syslog)\b", path.read_text(), re.MULTILINE), path
    other_apps = re.compile(r"{%\s*url\s+['\"](activity|activity-api|system|syslog-api|alerts):")
    for path in (ROOT / "templates" / "audit").rglob("*.html"):
        assert not other_apps.search(path.read_text()), path
