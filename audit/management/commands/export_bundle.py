"""Writes an organization's verification bundle to a file (for trails too large to download in one request)."""
import shutil
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from audit.acting import Acting
from audit.bundle import export_bundle
from audit.models import AuditEvent

from ._helpers import organization_by_slug


class Command(BaseCommand):
    help = "Write the organization's verification bundle (python -m audit.verify_bundle checks it) to PATH."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The organization.")
        parser.add_argument("path", help="Where to write the .zip; an existing file is not overwritten.")

    def handle(self, *args, slug, path, **options):
        organization = organization_by_slug(slug)
        target = Path(path)
        if target.exists():
            raise CommandError(f"{target} exists; choose a new file name.")
        total = AuditEvent.objects.filter(organization=organization).count() if sys.stderr.isatty() else None
        with tqdm(total=total, unit="event", disable=total is None, file=sys.stderr) as bar:
            bundle, _ = export_bundle(organization, Acting.for_system("export_bundle"), progress=bar.update)
        with target.open("xb") as out:
            shutil.copyfileobj(bundle, out)
        self.stdout.write(f"{organization.slug}: bundle written to {target}")
