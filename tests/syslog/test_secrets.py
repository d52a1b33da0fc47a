"""Secrets at rest: webhook signing secrets and SMTP passwords are Fernet ciphertext in the database."""
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connections

from audit.acting import Acting
from syslog.models import OrganizationMailServer, WebhookEndpoint
from syslog.webhooks import create_webhook

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])


def stored(table, column, pk):
    with connections["syslog"].cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_a_signing_secret_is_stored_encrypted_and_read_back_plain(org, private_targets):
    endpoint = create_webhook(organization=org, url="https://hooks.example.com/a", actions=[],
                              acting=Acting.for_system("tests"))
    raw = stored("syslog_webhookendpoint", "secret", endpoint.pk.hex if connections["syslog"].vendor == "sqlite"
                 else endpoint.pk)

    assert raw.startswith("fernet:") and endpoint.secret not in raw
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == endpoint.secret
    assert not WebhookEndpoint.objects.filter(secret=endpoint.secret).exists()  # no lookup reveals it


def test_rotation_re_encrypts_with_the_new_key_and_the_old_key_can_go(org, settings):
    server = OrganizationMailServer.objects.create(organization_id=org.pk, host="smtp.example.com",
                                                   username="mailer", password="s3cret-pass")
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, *old]

    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert out.getvalue().startswith("1 stored secrets re-encrypted")

    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert OrganizationMailServer.objects.get(pk=server.pk).password == "s3cret-pass"
    assert "s3cret-pass" not in stored("syslog_organizationmailserver", "password", server.pk)
    assert "s3cret-pass" not in repr(server)
