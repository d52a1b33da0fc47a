"""Organizations, their members and settings: each change is written together with its audit event."""
from django.conf import settings
from django.db import transaction

from ..acting import Acting, user_actor, user_target
from ..canonical import GENESIS_HASH
from ..models import Actor, ChainHead, Membership, Organization, Role
from ..models.tenancy import INVESTIGATOR_ROLES
from .recording import record_action

SETTINGS_FIELDS = ("name", "retention_days", "lockout_threshold", "lockout_window_minutes",
                   "lockout_duration_minutes", "retention_preset", "activity_retention_days",
                   "system_log_retention_days")


@transaction.atomic
def create_organization(*, slug: str, name: str, acting: Acting) -> Organization:
    organization = Organization.objects.create(slug=slug, name=name)
    ChainHead.objects.create(organization=organization, seq=0, hash=GENESIS_HASH)
    Actor.objects.create(organization=organization, kind="bot", external_id="bot",
                         name=settings.TRAILPROOF_BOT_NAME)
    record_action(organization, "organization.created", acting,
                  targets=[{"type": "organization", "id": slug, "name": name}])
    return organization


def ensure_user_actor(organization: Organization, user) -> Actor:
    actor_data = user_actor(user)
    actor, _ = Actor.objects.get_or_create(
        organization=organization, kind="user", external_id=actor_data["id"],
        defaults={"name": actor_data["name"], "email": user.email, "user": user})
    return actor


@transaction.atomic
def add_member(*, organization: Organization, user, role: str, acting: Acting) -> Membership:
    _check_role(role)
    membership = Membership.objects.create(organization=organization, user=user, role=role)
    ensure_user_actor(organization, user)
    record_action(organization, "member.added", acting, targets=[user_target(user)],
                  changes={"role": {"before": None, "after": role}, **sync_admin_access(user)})
    return membership


@transaction.atomic
def remove_member(*, membership: Membership, acting: Acting) -> None:
    organization, user, role = membership.organization, membership.user, membership.role
    membership.delete()
    record_action(organization, "member.removed", acting, targets=[user_target(user)],
                  changes={"role": {"before": role, "after": None}, **sync_admin_access(user)})


@transaction.atomic
def change_role(*, membership: Membership, role: str, acting: Acting) -> Membership:
    _check_role(role)
    before = membership.role
    if before == role:
        return membership
    membership.role = role
    membership.save(update_fields=["role"])
    record_action(membership.organization, "member.role_changed", acting, targets=[user_target(membership.user)],
                  changes={"role": {"before": before, "after": role}, **sync_admin_access(membership.user)})
    return membership


@transaction.atomic
def update_settings(*, organization: Organization, values: dict, acting: Acting) -> dict:
    """Apply new values to the organization's settings; records what changed, before and after."""
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not organization settings: {', '.join(sorted(unknown))}")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    changes = {name: {"before": getattr(organization, name), "after": value}
               for name, value in values.items() if getattr(organization, name) != value}
    if changes:
        for name, change in changes.items():
            setattr(organization, name, change["after"])
        organization.full_clean()
        organization.save(update_fields=list(changes))
        record_action(organization, "settings.changed", acting, changes=changes,
                      targets=[{"type": "organization", "id": organization.slug, "name": organization.name}])
    return changes


def may_use_admin(user) -> bool:
    """The admin is for superusers and for people who investigate (officer or admin) in some organization."""
    return user.is_superuser or Membership.objects.filter(user=user, role__in=INVESTIGATOR_ROLES).exists()


def sync_admin_access(user) -> dict:
    """Makes `is_staff` follow the person's roles; returns the change for the role's audit event (or nothing)."""
    allowed = may_use_admin(user)
    if user.is_staff == allowed:
        return {}
    type(user).objects.filter(pk=user.pk).update(is_staff=allowed)
    user.is_staff = allowed
    return {"admin_access": {"before": not allowed, "after": allowed}}


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}; choose one of {', '.join(Role.values)}.")
