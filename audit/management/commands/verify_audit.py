"""Verifies every organization's hash chain; exit 1 and a line per broken organization when one is altered."""
import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from audit.models import AuditEvent, Organization
from audit.services.integrity import verify_and_record

from ._helpers import organization_by_slug


class Command(BaseCommand):
    help = "Check the audit hash chains. Exit 0 when intact, 1 when any chain is broken."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="Only this organization (slug).")
        parser.add_argument("--since-last", action="store_true",
                            help="Start from each organization's last intact verification, as the nightly job does.")

    def handle(self, *args, org=None, since_last=False, **options):
        organizations = [organization_by_slug(org)] if org else list(Organization.objects.order_by("slug"))
        broken = []
        for organization in organizations:
            show_progress = sys.stderr.isatty()
            total = AuditEvent.objects.filter(organization=organization).count() if show_progress else None
            with tqdm(total=total, desc=organization.slug, unit="event", disable=not show_progress,
                      file=sys.stderr) as bar:
                check = verify_and_record(organization, triggered_by="verify_audit", progress=bar.update,
                                          incremental=since_last)
            if check.status == "ok":
                signed = (f", signed checkpoints proven through seq {check.signed_through_seq}"
                          if check.signed_through_seq else "")
                self.stdout.write(f"{organization.slug}: ok, {check.verified_through_seq} events verified{signed}")
            else:
                broken.append(check)
                self.stdout.write(f"{organization.slug}: BROKEN at seq {check.first_bad_seq}: {check.problem}")
        if broken:
            sys.exit(1)
