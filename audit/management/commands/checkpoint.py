"""Signs a checkpoint now for every organization (or one), as the scheduled task does (contract §9)."""
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from audit.models import Organization
from audit.services.checkpoints import RetiredKey, sign_checkpoint
from audit.services.merkle_store import TreeIncomplete

from ._helpers import organization_by_slug


class Command(BaseCommand):
    help = "Sign a checkpoint (tree size, Merkle root, chain head) for each organization, or one."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="Only this organization (slug).")

    def handle(self, *args, org=None, **options):
        organizations = [organization_by_slug(org)] if org else list(Organization.objects.order_by("slug"))
        for organization in organizations:
            with tqdm(desc=organization.slug, unit="event", disable=not sys.stderr.isatty(), file=sys.stderr) as bar:
                try:
                    checkpoint = sign_checkpoint(organization, trigger="command", progress=bar.update)
                except (ImproperlyConfigured, RetiredKey, TreeIncomplete) as error:
                    raise CommandError(f"{organization.slug}: {error}") from None
            self.stdout.write(f"{organization.slug}: checkpoint of tree size {checkpoint.tree_size}, "
                              f"root {checkpoint.root}, key {checkpoint.key_id}")
