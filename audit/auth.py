"""Sign-in with lockout: failed attempts are counted per account and recorded, never with the password."""
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.utils import timezone

from .acting import Acting, source_of, user_target
from .models.tenancy import Role, clamp_policy, strictest
from .services.recording import record_action

logger = logging.getLogger("trailproof.auth")


def lockout_policy_for(user, organization_ids=None) -> dict:
    """The strictest policy of the user's organizations (or of those named), never looser than the default."""
    memberships = user.memberships.select_related("organization")
    if organization_ids is not None:
        memberships = memberships.filter(organization_id__in=organization_ids)
    return strictest([clamp_policy(settings.TRAILPROOF_LOCKOUT_DEFAULTS),
                      *(m.organization.lockout_policy() for m in memberships)])


def may_unlock(by, user) -> bool:
    """Superusers; or an admin whose organizations' policies alone are as strict as every policy on the person:
    a lock another organization's stricter policy set is that organization's to clear."""
    if by.is_superuser:
        return True
    theirs = set(user.memberships.values_list("organization_id", flat=True))
    mine = set(by.memberships.filter(role=Role.ADMIN, organization_id__in=theirs).values_list("organization_id",
                                                                                           flat=True))
    return bool(mine) and lockout_policy_for(user, mine) == lockout_policy_for(user)


def _recent_failures(stored: list, since: datetime) -> list[datetime]:
    """The stored failure times after `since`; anything unreadable (written by hand) is dropped, not a 500."""
    moments = []
    for value in stored if isinstance(stored, list) else []:
        try:
            moment = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            continue
        if moment.tzinfo is not None and moment > since:
            moments.append(moment)
    return sorted(moments)


class LockoutAwareBackend(ModelBackend):
    """Email and password; a locked account is answered exactly like a wrong password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        User = get_user_model()
        try:
            user = User.objects.get(email__iexact=username.strip())
        except User.DoesNotExist:
            User().set_password(password)  # spend the same time as a real check
            logger.info("Failed sign-in for an unknown email from %s", source_of(request) or {})
            return None
        password_ok = user.check_password(password)
        if user.is_locked or not password_ok or not self.user_can_authenticate(user):
            register_failed_login(user, attempted_email=username, request=request,
                                  reason="account locked" if user.is_locked else "wrong password")
            return None
        if user.failed_login_count or user.locked_until:
            User.objects.filter(pk=user.pk).update(failed_login_count=0, recent_failed_logins=[],
                                                   locked_until=None)
        return user


@transaction.atomic
def register_failed_login(user, *, attempted_email: str, request, reason: str) -> None:
    user = type(user).objects.select_for_update().get(pk=user.pk)
    now = timezone.now()
    policy = lockout_policy_for(user)
    was_locked = user.is_locked
    if not was_locked:
        # A sliding window: any `threshold` failures within `window_minutes` of each other lock the account.
        window_start = now - timedelta(minutes=policy["window_minutes"])
        recent = _recent_failures(user.recent_failed_logins, window_start)
        recent.append(now)
        user.recent_failed_logins = [moment.isoformat() for moment in recent[-policy["threshold"]:]]
        user.failed_login_count = len(recent)
        if user.failed_login_count >= policy["threshold"]:
            user.locked_until = now + timedelta(minutes=policy["duration_minutes"])
        user.save(update_fields=["failed_login_count", "recent_failed_logins", "locked_until"])
    acting = Acting.for_user(user, request)
    for membership in user.memberships.select_related("organization"):
        record_action(membership.organization, "auth.login_failed", acting, outcome="failure", reason=reason,
                      metadata={"attempted_email": attempted_email, "failed_attempts": user.failed_login_count})
        if user.is_locked and not was_locked:
            record_action(membership.organization, "auth.locked_out", acting, outcome="failure",
                          reason=f"{user.failed_login_count} failed sign-ins within {policy['window_minutes']} "
                                 "minutes",
                          metadata={"locked_until": user.locked_until.isoformat()})


@transaction.atomic
def unlock_user(*, user, acting: Acting) -> None:
    type(user).objects.filter(pk=user.pk).update(failed_login_count=0, recent_failed_logins=[],
                                                 locked_until=None)
    for membership in user.memberships.select_related("organization"):
        record_action(membership.organization, "auth.unlocked", acting, targets=[user_target(user)])
