"""Organizations, people who sign in by email, and their role in each organization."""
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from ..policies import PRESET_CHOICES


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can sign in to the admin site.")
    date_joined = models.DateTimeField(default=timezone.now)
    time_zone = models.CharField(max_length=64, default="UTC")
    failed_login_count = models.PositiveIntegerField(default=0)
    recent_failed_logins = models.JSONField(default=list, blank=True,
                                            help_text="Times of failed sign-ins still inside the lockout window.")
    locked_until = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


# The documented ranges of the lockout settings an organization may set (README, "Security model"). The code
# that uses them clamps into these ranges too, so a value written straight into the database cannot overflow.
LOCKOUT_BOUNDS = {"threshold": (2, 20), "window_minutes": (1, 1440), "duration_minutes": (1, 1440)}


def _bounded(name: str) -> list:
    low, high = LOCKOUT_BOUNDS[name]
    return [MinValueValidator(low), MaxValueValidator(high)]


def clamp_policy(policy: dict) -> dict:
    """The policy with each value forced into its documented range."""
    return {name: min(max(int(value), LOCKOUT_BOUNDS[name][0]), LOCKOUT_BOUNDS[name][1])
            for name, value in policy.items()}


class Organization(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    retention_days = models.PositiveIntegerField(
        default=365, validators=[MinValueValidator(365), MaxValueValidator(3653)],
        help_text="How long audit records are kept, counted from when they occurred (1 to 10 years).")
    retention_preset = models.CharField(
        max_length=20, default="soc2", choices=PRESET_CHOICES,
        help_text="The regulation the retention policy follows; a regulated preset's period is a floor.")
    activity_retention_days = models.PositiveIntegerField(
        default=365, validators=[MinValueValidator(1), MaxValueValidator(3653)],
        help_text="How far back activity timelines go; never longer than the audit period.")
    system_log_retention_days = models.PositiveIntegerField(
        default=90, validators=[MinValueValidator(1), MaxValueValidator(3653)],
        help_text="How long system log entries are kept.")
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the organization was deleted: it stops working at once, and "
                                         "the row goes once retention has purged its last audit events.")
    lockout_threshold = models.PositiveIntegerField(
        null=True, blank=True, validators=_bounded("threshold"),
        help_text="Failed sign-ins that lock an account, 2 to 20. Empty: the deployment default. Can only tighten it.")
    lockout_window_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=_bounded("window_minutes"),
        help_text="Minutes within which those failures count, 1 to 1440. Can only lengthen the default.")
    lockout_duration_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=_bounded("duration_minutes"),
        help_text="Minutes an account stays locked, 1 to 1440. Can only lengthen the default.")

    class Meta:
        ordering = ["name"]
        constraints = [
            # The floor holds in the database too: the application's role cannot shorten retention below it.
            models.CheckConstraint(condition=models.Q(retention_days__gte=365), name="audit_retention_floor"),
        ]

    def __str__(self):
        return self.name

    def lockout_policy(self) -> dict:
        """The deployment default, tightened (never loosened) by this organization's own values."""
        default = clamp_policy(settings.TRAILPROOF_LOCKOUT_DEFAULTS)
        own = clamp_policy({"threshold": self.lockout_threshold or default["threshold"],
                            "window_minutes": self.lockout_window_minutes or default["window_minutes"],
                            "duration_minutes": self.lockout_duration_minutes or default["duration_minutes"]})
        return strictest([default, own])


def strictest(policies: list[dict]) -> dict:
    """The policy no weaker than any of `policies`: fewest failures, longest window, longest lock."""
    return {"threshold": min(p["threshold"] for p in policies),
            "window_minutes": max(p["window_minutes"] for p in policies),
            "duration_minutes": max(p["duration_minutes"] for p in policies)}


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    MANAGER = "manager", "Manager"
    COMPLIANCE_OFFICER = "compliance_officer", "Compliance officer"
    ADMIN = "admin", "Admin"


INVESTIGATOR_ROLES = frozenset({Role.COMPLIANCE_OFFICER, Role.ADMIN})


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")]

    def __str__(self):
        return f"{self.user} in {self.organization} ({self.get_role_display()})"

    @property
    def can_investigate(self) -> bool:
        return self.role in INVESTIGATOR_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN
