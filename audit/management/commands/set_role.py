"""Changes a member's role, recorded as member.role_changed."""
from django.core.management.base import BaseCommand, CommandError

from audit.acting import Acting
from audit.models import Membership, Role
from audit.services.tenancy import change_role

from ._helpers import organization_by_slug


class Command(BaseCommand):
    help = "Change a member's role in an organization."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("email")
        parser.add_argument("role")

    def handle(self, *args, slug, email, role, **options):
        if role not in Role.values:
            raise CommandError(f"Unknown role '{role}'. Choose one of: {', '.join(Role.values)}.")
        organization = organization_by_slug(slug)
        membership = (Membership.objects.select_related("user", "organization")
                      .filter(organization=organization, user__email__iexact=email).first())
        if membership is None:
            raise CommandError(f"{email} is not a member of {slug}.")
        before = membership.role
        change_role(membership=membership, role=role, acting=Acting.for_system("cli"))
        if before == role:
            self.stdout.write(f"{email} already is a {role} of {slug}; nothing changed.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{email}: {before} → {role} in {slug}."))
