"""An organization's own SMTP server: set, change or remove it (recorded as settings.changed, password never)."""
from django.db import transaction
from django.utils import timezone

from audit.acting import Acting
from audit.services.recording import record_action

from .models import OrganizationMailServer

FIELDS = ("host", "port", "security", "username", "from_email")
MASKED = "(changed)"


def mail_server_of(organization) -> OrganizationMailServer | None:
    return OrganizationMailServer.objects.filter(organization_id=organization.pk).first()


def save_mail_server(*, organization, values: dict, password: str | None, acting: Acting) -> OrganizationMailServer:
    """`password` None keeps the stored one; the trail notes that it changed, never what it is."""
    server = mail_server_of(organization) or OrganizationMailServer(organization_id=organization.pk)
    changes = {name: {"before": getattr(server, name) if server.pk else None, "after": values[name]}
               for name in FIELDS if not server.pk or getattr(server, name) != values[name]}
    if password is not None:
        server.password = password
        changes["password"] = {"before": None, "after": MASKED}
    for name in FIELDS:
        setattr(server, name, values[name])
    server.updated_at = timezone.now()
    with transaction.atomic(using="syslog"), transaction.atomic(using="default"):
        server.save()
        if changes:
            record_action(organization, "settings.changed", acting, changes=changes, targets=[_target(server)])
    return server


def remove_mail_server(*, organization, acting: Acting) -> None:
    server = mail_server_of(organization)
    if server is None:
        return
    with transaction.atomic(using="syslog"), transaction.atomic(using="default"):
        server.delete()
        record_action(organization, "settings.changed", acting, targets=[_target(server)],
                      changes={"host": {"before": server.host, "after": None}})


def _target(server) -> dict:
    return {"type": "mail_server", "id": f"{server.host}:{server.port}"[:200], "name": "Own SMTP server"}
