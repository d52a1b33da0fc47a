"""Re-encrypts every stored secret with the first key of FIELD_ENCRYPTION_KEYS (after a new key was added)."""
from django.core.management.base import BaseCommand
from django.db import transaction

from syslog.crypto import encrypt
from syslog.models import OrganizationMailServer, WebhookEndpoint

ENCRYPTED = ((WebhookEndpoint, "secret"), (OrganizationMailServer, "password"))


class Command(BaseCommand):
    help = ("Re-encrypt webhook signing secrets and SMTP passwords with the first key in FIELD_ENCRYPTION_KEYS; "
            "afterwards the older keys can be removed from the setting.")

    def handle(self, *args, **options):
        total = 0
        with transaction.atomic(using="syslog"):
            for model, field in ENCRYPTED:
                # Reading decrypts with whichever key fits; writing encrypts with the first one.
                for pk, value in model.objects.exclude(**{field: None}).values_list("pk", field).iterator():
                    if value:
                        model.objects.filter(pk=pk).update(**{field: encrypt(value)})
                        total += 1
        self.stdout.write(f"{total} stored secrets re-encrypted with the first key")
