"""Telling people an alert was raised: email to the organization's admins and compliance officers, and a
webhook notice of type `alert.raised` to the subscriptions that ask for it. Never raises: the alert itself is
already stored, and a failure to tell is logged where an operator sees it."""
import logging

from django.urls import reverse

from audit.models import Membership, Organization
from audit.models.tenancy import INVESTIGATOR_ROLES

from ..models import Alert
from ..notices import queue_notice
from ..tasks import send_email

logger = logging.getLogger("trailproof.alerts")


def notice_data(alert: Alert) -> dict:
    """What the webhook and the email say: no secret, nothing beyond what the system log entry holds."""
    return {"id": alert.pk, "rule": alert.rule, "severity": alert.severity, "message": alert.message,
            "count": alert.count, "window_minutes": alert.window_minutes, "subject": alert.subject,
            "raised_at": alert.raised_at.isoformat().replace("+00:00", "Z"),
            "system_log_entry": alert.entry_id, "details": alert.entry.details}


def recipients(organization_id: int) -> list[str]:
    return sorted(set(Membership.objects.filter(organization_id=organization_id, role__in=INVESTIGATOR_ROLES,
                                                user__is_active=True).values_list("user__email", flat=True)))


def notify_alert(alert_id: int) -> None:
    alert = Alert.objects.select_related("entry").get(pk=alert_id)
    try:
        _email(alert)
    except Exception:
        logger.exception("Could not queue the email for alert %s (organization %s)", alert.pk,
                         alert.organization_id)
    try:
        queue_notice(organization_id=alert.organization_id, notice_type="alert.raised", data=notice_data(alert))
    except Exception:
        logger.exception("Could not queue the webhook notice for alert %s (organization %s)", alert.pk,
                         alert.organization_id)


def _email(alert: Alert) -> None:
    to = recipients(alert.organization_id)
    if not to:
        logger.warning("Alert %s: organization %s has no admin or compliance officer to email",
                       alert.pk, alert.organization_id)
        return
    organization = Organization.objects.get(pk=alert.organization_id)
    subject = f"[Trailproof] {alert.get_severity_display()} alert in {organization.name}: {alert.message}"[:200]
    body = (f"{alert.message}\n\nRule: {alert.rule}\nSeverity: {alert.severity}\n"
            f"Occurrences: {alert.count} (repeats within {alert.window_minutes} minutes are counted, not resent)\n"
            f"Raised at: {alert.raised_at:%Y-%m-%d %H:%M:%S} UTC\n\n"
            f"See and acknowledge it at {reverse('alerts:list')}?org={organization.slug}\n")
    send_email.delay(alert.organization_id, to, subject, body)
