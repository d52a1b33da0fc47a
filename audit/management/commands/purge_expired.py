"""Applies the retention policies now, as the daily task does: expired events go in batches, each with a receipt."""
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from audit.models import Organization
from audit.services.organizations import apply_retention
from audit.services.retention import DEFAULT_BATCH, purge_bot, purge_preview

from ._helpers import organization_by_slug


class Command(BaseCommand):
    help = "Delete audit events older than each organization's retention period, leaving deletion receipts."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="Only this organization (slug).")
        parser.add_argument("--dry-run", action="store_true", help="Show what would be deleted; delete nothing.")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH,
                            help=f"Events deleted per transaction (default {DEFAULT_BATCH}).")

    def handle(self, *args, org=None, dry_run=False, batch_size=DEFAULT_BATCH, **options):
        if not 1 <= batch_size <= 100_000:
            raise CommandError("--batch-size must be from 1 to 100000.")
        organizations = [organization_by_slug(org)] if org else list(Organization.objects.order_by("slug"))
        for organization in organizations:
            preview = purge_preview(organization)
            if dry_run:
                self.stdout.write(
                    f"{organization.slug}: would delete {preview['would_delete']} events older than "
                    f"{preview['cutoff']:%Y-%m-%d %H:%M} UTC ({preview['policy_days']}-day policy); "
                    f"{preview['held_back']} kept by a legal hold")
                continue
            self._purge(organization, preview["would_delete"], batch_size)

    def _purge(self, organization, expected, batch_size):
        show_progress = sys.stderr.isatty()
        with tqdm(total=expected, desc=organization.slug, unit="event", disable=not show_progress,
                  file=sys.stderr) as bar:
            outcome = apply_retention(organization, acting=purge_bot("purge_expired command"),
                                      batch_size=batch_size, progress=bar.update)
        if outcome.skipped:
            self.stdout.write(f"{organization.slug}: skipped, {outcome.skipped}")
            return
        held = f"; {outcome.held_back} kept by a legal hold" if outcome.held_back else ""
        self.stdout.write(f"{organization.slug}: deleted {outcome.deleted} events in "
                          f"{len(outcome.receipts)} receipt(s){held}")
