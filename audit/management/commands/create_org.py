"""Creates an organization with its bot actor and the start of its hash chain."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug

from audit.acting import Acting
from audit.models import Organization
from audit.services.tenancy import create_organization


class Command(BaseCommand):
    help = "Create an organization (with its bot actor)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)

    def handle(self, *args, slug, name, **options):
        try:
            validate_slug(slug)
        except ValidationError:
            raise CommandError(f"'{slug}' is not a valid slug: use letters, digits, hyphens and underscores.") \
                from None
        if Organization.objects.filter(slug=slug).exists():
            raise CommandError(f"An organization with the slug '{slug}' already exists.")
        organization = create_organization(slug=slug, name=name, acting=Acting.for_system("cli"))
        self.stdout.write(self.style.SUCCESS(f"Created organization {organization.slug} ({organization.name})."))
