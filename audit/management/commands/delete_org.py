"""Deletes an organization (soft): it stops working now; its audit events go as their retention ends."""
from django.core.management.base import BaseCommand, CommandError

from audit.acting import Acting
from audit.services.organizations import delete_organization

from ._helpers import organization_by_slug


class Command(BaseCommand):
    help = ("Delete an organization: members and API keys stop working at once, system logs are deleted, audit "
            "events are purged with receipts as their retention ends, then the organization itself goes.")

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--yes", action="store_true", help="Confirm; nothing is deleted without it.")

    def handle(self, *args, slug, yes=False, **options):
        organization = organization_by_slug(slug)
        if organization.deleted_at is not None:
            raise CommandError(f"{slug} was already deleted on {organization.deleted_at:%Y-%m-%d}.")
        if not yes:
            raise CommandError(f"Deleting {slug} cannot be undone: run again with --yes to confirm.")
        organization = delete_organization(organization=organization, acting=Acting.for_system("cli"))
        last = organization.audit_events.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
        self.stdout.write(f"Deleted {slug}: members and keys no longer work; its audit events are kept "
                          f"{organization.retention_days} days from when they occurred"
                          + (f" (the last until {last:%Y-%m-%d} + policy)." if last else "."))
