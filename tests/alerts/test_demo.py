"""The demo shows an open alert (a burst of failed sign-ins) and an acknowledged one, as an admin sees them."""
import re
from io import StringIO

import pytest
from django.core.management import call_command

from audit.models import AuditEvent, User

pytestmark = pytest.mark.django_db(databases=["default", "syslog"], transaction=True)


def test_the_demo_admin_sees_why_an_alert_fired_and_what_was_acknowledged(client):
    call_command("seed_demo", stdout=StringIO())
    admin = User.objects.filter(memberships__organization__slug="northwind", memberships__role="admin").first()
    client.force_login(admin)

    page = client.get("/alerts/?org=northwind").content.decode()

    open_part, history = page.split("<h2>History</h2>")
    fired = r"5 failed sign-ins on [^<]+&#x27;s account within 15 minutes.*?6 occurrences"
    assert re.search(fired, open_part), open_part
    assert "Expected: the initial team was given its roles" in history
    assert AuditEvent.objects.filter(organization__slug="northwind", action="alert.acknowledged").exists()
