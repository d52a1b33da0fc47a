"""Webhook signing secrets encrypted at rest: widen the column, then encrypt every secret stored in clear."""
import syslog.crypto
from django.db import migrations


def encrypt_stored_secrets(apps, schema_editor):
    endpoints = apps.get_model("syslog", "WebhookEndpoint").objects.using(schema_editor.connection.alias)
    # Values come back as stored in clear (or decrypted); writing them back through the field encrypts them.
    for pk, secret in endpoints.values_list("id", "secret").iterator():
        if secret:
            endpoints.filter(pk=pk).update(secret=syslog.crypto.encrypt(secret))


class Migration(migrations.Migration):

    dependencies = [
        ('syslog', '0003_outbox_and_notices'),
    ]

    operations = [
        migrations.AlterField(
            model_name='webhookendpoint',
            name='secret',
            field=syslog.crypto.EncryptedTextField(),
        ),
        migrations.RunPython(encrypt_stored_secrets, migrations.RunPython.noop),
    ]
