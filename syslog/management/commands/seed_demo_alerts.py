"""Gives the demo organization an open alert and an acknowledged one, raised by the real rules. Run by `seed_demo`."""
from django.core.management.base import BaseCommand, CommandError

from audit.models import Organization
from syslog.alerts.demo import seed_demo_alerts


class Command(BaseCommand):
    help = "Raise the demo organization's alerts through the real alert rules (run by seed_demo)."

    def add_arguments(self, parser):
        parser.add_argument("slug")

    def handle(self, *args, slug, **options):
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization with the slug {slug!r}.")
        seed_demo_alerts(organization)
