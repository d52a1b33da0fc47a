"""Rebuilds the activity projections (runs, tasks, blueprints, versions) from the audit trail."""
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from activity.rebuild import rebuild_projections
from audit.models import AuditEvent, Organization


class Command(BaseCommand):
    help = "Rebuild the activity projections of every organization (or one) from its audit trail."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="The organization's slug; all organizations when left out.")

    def handle(self, *args, org=None, **options):
        organizations = Organization.objects.order_by("slug")
        if org:
            organizations = organizations.filter(slug=org)
            if not organizations.exists():
                raise CommandError(f"No organization with the slug '{org}'.")
        for organization in organizations:
            total = AuditEvent.objects.filter(organization=organization).count()
            with tqdm(total=total, desc=organization.slug, unit="event", file=self.stderr,
                      disable=not total) as bar:
                folded = rebuild_projections(organization, progress=bar.update)
            self.stdout.write(f"{organization.slug}: rebuilt from {folded} events.")
