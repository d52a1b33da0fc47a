"""Loads the demo: Northwind Logistics with people in every role, its bot, and six weeks of realistic events."""
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from audit.acting import Acting
from audit.models import AuditEvent, Membership, Organization
from audit.models.tenancy import INVESTIGATOR_ROLES
from audit.services.checkpoints import sign_checkpoint
from audit.services.recording import record_events
from audit.services.statistics import refresh_statistics
from audit.services.tenancy import add_member, create_organization

from ._demo_history import DemoPerson, demo_history
from ._demo_retention import seed_retention_story

DEMO_SLUG, DEMO_NAME = "northwind", "Northwind Logistics"
SECOND_SLUG, SECOND_NAME = "bluewater", "Bluewater Shipping"
DEMO_PASSWORD = "trailproof-demo"  # noqa: S105 - published on purpose: the demo's sign-in
BATCH = 500


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    role: str


NORTHWIND_PEOPLE = [
    Person("alex.morgan@northwind.demo", "Alex Morgan", "admin"),
    Person("olivia.chen@northwind.demo", "Olivia Chen", "compliance_officer"),
    Person("maria.lopez@northwind.demo", "Maria Lopez", "manager"),
    Person("sam.patel@northwind.demo", "Sam Patel", "manager"),
    Person("jamal.reed@northwind.demo", "Jamal Reed", "member"),
    Person("priya.nair@northwind.demo", "Priya Nair", "member"),
    Person("tom.becker@northwind.demo", "Tom Becker", "member"),
    Person("lena.fischer@northwind.demo", "Lena Fischer", "member"),
]
BLUEWATER_PEOPLE = [
    Person("bea.owusu@bluewater.demo", "Bea Owusu", "admin"),
    Person("kai.larsen@bluewater.demo", "Kai Larsen", "member"),
]
SUPERUSER = Person("root@trailproof.demo", "Sue Super", "superuser")


class Command(BaseCommand):
    help = "Load the demo organizations, people in every role, the bot and six weeks of events; print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2041, help="Random seed of the generated history.")

    def handle(self, *args, seed, **options):
        if Organization.objects.filter(slug=DEMO_SLUG).exists():
            self.stdout.write(f"The demo organization '{DEMO_SLUG}' already exists: nothing was changed. "
                              "(Delete the databases under var/ to seed it afresh.)")
        else:
            started = timezone.now()
            counts = self._seed(seed)
            self._sign_checkpoints(counts)
            # By name, not by import: the system log is another app that audit does not depend on.
            call_command("seed_demo_system_log", DEMO_SLUG, "--provider-org", SECOND_SLUG, stdout=self.stdout)
            call_command("seed_demo_alerts", DEMO_SLUG, stdout=self.stdout)
            refresh_statistics()  # a bulk load: plan the first pages on what was loaded
            seconds = (timezone.now() - started).total_seconds()
            self.stdout.write(self.style.SUCCESS(
                f"Seeded {DEMO_NAME} ({counts[DEMO_SLUG]} events) and {SECOND_NAME} ({counts[SECOND_SLUG]} events) "
                f"in {seconds:.1f} s."))
        self._print_logins()

    def _sign_checkpoints(self, counts) -> None:
        """So the demo's event pages show their proof at once (the schedule signs every few minutes after)."""
        for slug in counts:
            try:
                sign_checkpoint(Organization.objects.get(slug=slug), trigger="seed_demo")
            except ImproperlyConfigured as error:
                self.stdout.write(f"No checkpoint signed: {error}")
                return

    def _seed(self, seed: int) -> dict[str, int]:
        hashed = make_password(DEMO_PASSWORD)  # one slow hash, shared by every demo account
        counts = {}
        with transaction.atomic():
            for slug, name, people in ((DEMO_SLUG, DEMO_NAME, NORTHWIND_PEOPLE),
                                       (SECOND_SLUG, SECOND_NAME, BLUEWATER_PEOPLE)):
                organization = create_organization(slug=slug, name=name, acting=Acting.for_system("seed_demo"))
                users = [self._member(organization, person, hashed) for person in people]
                demo_people = [DemoPerson(f"user:{user.pk}", person.name, person.email, person.role)
                               for user, person in zip(users, people, strict=True)]
                history = demo_history(demo_people, now=timezone.now(), seed=seed, busy=slug == DEMO_SLUG)
                self._apply_final_settings(organization, history.final_settings)
                for start in range(0, len(history.events), BATCH):
                    record_events(organization=organization, events=history.events[start:start + BATCH],
                                  recorded_via="system:seed_demo")
                counts[slug] = len(history.events) + len(people) + 1
                if slug == DEMO_SLUG:
                    by_role = {person.role: user for user, person in zip(users, people, strict=True)}
                    seed_retention_story(organization, admin=by_role["admin"], officer=by_role["compliance_officer"],
                                         held_person=f"user:{by_role['member'].pk}")
            self._user(SUPERUSER, hashed, is_superuser=True)
        return counts

    def _member(self, organization, person: Person, hashed: str):
        user = self._user(person, hashed)
        if not Membership.objects.filter(organization=organization, user=user).exists():
            add_member(organization=organization, user=user, role=person.role, acting=Acting.for_system("seed_demo"))
        return user

    @staticmethod
    def _user(person: Person, hashed: str, is_superuser: bool = False):
        user, created = get_user_model().objects.get_or_create(email=person.email, defaults={
            "full_name": person.name, "password": hashed, "is_superuser": is_superuser,
            "is_staff": is_superuser})  # others: from their roles
        return user

    @staticmethod
    def _apply_final_settings(organization, values: dict) -> None:
        """Where the imported history leaves the settings; the history itself holds their settings.changed."""
        if values:
            Organization.objects.filter(pk=organization.pk).update(**values)

    def _print_logins(self) -> None:
        rows = [(p.email, DEMO_PASSWORD, p.role, DEMO_NAME, self._sees(p)) for p in NORTHWIND_PEOPLE]
        rows += [(p.email, DEMO_PASSWORD, p.role, SECOND_NAME, self._sees(p)) for p in BLUEWATER_PEOPLE]
        rows.append((SUPERUSER.email, DEMO_PASSWORD, "superuser", "—", "every organization in /admin/"))
        width = max(len(row[0]) for row in rows)
        self.stdout.write("")
        self.stdout.write("Demo sign-ins at /accounts/login/ (email / password / role / organization: what they see):")
        for email, password, role, organization, sees in rows:
            self.stdout.write(f"  {email:<{width}}  {password}  {role:<18}  {organization}: {sees}")

    @staticmethod
    def _sees(person: Person) -> str:
        """What the person lands on, so a visitor knows whom to sign in as."""
        if person.role in INVESTIGATOR_ROLES:
            return "lands on the audit trail; Activity, Runs and Blueprints in the menu"
        if person.role == "manager":
            return "lands on the activity of every run; runs, tasks, blueprints and their versions"
        user = get_user_model().objects.filter(email=person.email).first()
        taken_part = (AuditEvent.objects.filter(actor__user=user).exclude(run_id=None).exclude(category="access")
                      .values("run_id").distinct().count()) if user else 0
        return f"lands on the activity of the {taken_part} runs they took part in, and only those"
