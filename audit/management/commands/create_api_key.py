"""Creates an API key for an organization and prints it, alone, on the last line (it is never shown again)."""
from django.core.management.base import BaseCommand, CommandError

from audit.acting import Acting
from audit.models import SCOPES
from audit.services.api_keys import create_api_key

from ._helpers import organization_by_slug


class Command(BaseCommand):
    help = "Create an API key; the key is printed alone on the last line of standard output."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--scopes", default="events:write,events:read",
                            help=f"Comma-separated, from: {', '.join(SCOPES)}.")
        parser.add_argument("--name", default="", help="What the key is for (default: the command line).")
        parser.add_argument("--quiet", action="store_true", help="Print only the key, for KEY=$(...) in scripts.")

    def handle(self, *args, slug, scopes, name, quiet, **options):
        organization = organization_by_slug(slug)
        try:
            new = create_api_key(organization=organization, name=name or "created with create_api_key",
                                 scopes=scopes.split(","), acting=Acting.for_system("cli"))
        except ValueError as error:
            raise CommandError(str(error)) from None
        if not quiet:
            self.stdout.write(f"Created API key {new.key.prefix}… for {slug} with scopes "
                              f"{', '.join(new.key.scopes)}.")
            self.stdout.write("Store it now: it is not shown again.")
        self.stdout.write(new.plain)
