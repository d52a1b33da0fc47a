"""Creates a person in an organization (or adds an existing one); the password comes from standard input."""
import getpass
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from audit.acting import Acting
from audit.models import Membership, Role
from audit.services.tenancy import add_member

from ._helpers import organization_by_slug


class Command(BaseCommand):
    help = "Create a person in an organization, or add an existing one. Reads the password from stdin."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("email")
        parser.add_argument("--role", choices=Role.values, default=Role.MEMBER)
        parser.add_argument("--name", default="", help="The person's full name.")

    def handle(self, *args, slug, email, role, name, **options):
        organization = organization_by_slug(slug)
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"'{email}' is not a valid email address.") from None
        User = get_user_model()
        user = User.objects.filter(email__iexact=email).first()
        if user and Membership.objects.filter(user=user, organization=organization).exists():
            raise CommandError(f"{email} is already a member of {slug}; use set_role to change the role.")
        with transaction.atomic():
            if user is None:
                password = self._read_password()
                try:
                    validate_password(password, User(email=email, full_name=name))
                except ValidationError as error:
                    raise CommandError("Password refused: " + " ".join(error.messages)) from None
                user = User.objects.create_user(email=email, password=password, full_name=name)
            add_member(organization=organization, user=user, role=role, acting=Acting.for_system("cli"))
        self.stdout.write(self.style.SUCCESS(f"{email} is now a {role} of {slug}."))

    def _read_password(self) -> str:
        if sys.stdin.isatty():
            password = getpass.getpass("Password: ")
        else:
            password = sys.stdin.readline().rstrip("\n")
        if not password:
            raise CommandError("A password is required on standard input.")
        return password
