"""The demo's alerts (called by seed_demo): an open one from a burst of failed sign-ins, and an acknowledged one."""
from audit.acting import Acting, user_actor
from audit.models import Membership, Role
from audit.services.recording import record_action

from .selectors import open_alerts
from .services import acknowledge_alert

ATTACKER = {"ip": "198.51.100.23", "user_agent": "python-requests/2.31"}


def seed_demo_alerts(organization) -> None:
    """Runs after the demo's history committed, so the alerts are raised by the real recording path."""
    admin = _someone(organization, Role.ADMIN)
    target = _someone(organization, Role.MEMBER) or admin
    for grant in open_alerts(organization, rule="privilege.granted"):  # the demo team's own setup
        acknowledge_alert(organization=organization, alert_id=grant.pk, user=admin,
                          acting=Acting.for_user(admin),
                          note="Expected: the initial team was given its roles when the organization was set up.")
    attempt = Acting(actor=user_actor(target), recorded_via=f"user:{target.pk}", source=ATTACKER)
    for _ in range(6):
        record_action(organization, "auth.login_failed", attempt, outcome="failure", reason="wrong password",
                      metadata={"attempted_email": target.email})


def _someone(organization, role):
    membership = (Membership.objects.filter(organization=organization, role=role).select_related("user")
                  .order_by("pk").first())
    return membership.user if membership else None
