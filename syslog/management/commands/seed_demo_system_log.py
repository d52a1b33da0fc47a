"""Gives the demo organization a system log with content, made through the real code paths.

A webhook to a closed local port (failed attempts, retries, abandonment, the alert email), the organization's
own SMTP server that refuses every message (a tiny local server answering 554), a provider (Mailgun's API,
stood in for by a local server) refusing a message, and an application fault. Run by `seed_demo`.
"""
import http.server
import json
import logging
import socket
import threading
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from audit.acting import Acting
from audit.models import Membership, Organization, Role
from auditproject.email import email_settings_from_url
from syslog import mail
from syslog.delivery import attempt_delivery
from syslog.faults import log_fault, new_correlation_id
from syslog.mail_settings import remove_mail_server, save_mail_server
from syslog.models import WebhookDelivery
from syslog.outbox import drain_outbox
from syslog.webhooks import create_webhook

ACTING = Acting.for_system("seed_demo")


class Command(BaseCommand):
    help = "Fill the demo organization's system log through the real delivery, email and fault paths."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The demo organization.")
        parser.add_argument("--provider-org", help="Another organization, whose email goes through the provider.")

    def handle(self, *args, slug, provider_org=None, **options):
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization {slug!r}.")
        with _refusing_smtp_server() as smtp_port, _refusing_provider() as provider_url:
            self._own_smtp_server(organization, smtp_port)
            self._failing_webhook(organization)
            self._refused_email(organization)
            other = Organization.objects.filter(slug=provider_org).first() if provider_org else None
            self._provider_refusal(other or organization, provider_url)
        # The refusing server is gone with this command: the demo's email goes back to the deployment's backend.
        remove_mail_server(organization=organization, acting=ACTING)
        self._fault(organization)
        self.stdout.write(f"System log of {organization.name} filled: webhook retries and abandonment, "
                          "SMTP and provider refusals, a fault.")

    @staticmethod
    def _own_smtp_server(organization, port):
        save_mail_server(organization=organization, password=None, acting=ACTING, values={
            "host": "127.0.0.1", "port": port, "security": "none", "username": "northwind-mailer",
            "from_email": "compliance@northwind.demo"})

    @staticmethod
    def _failing_webhook(organization):
        with override_settings(WEBHOOK_ALLOW_PRIVATE_TARGETS=True, WEBHOOK_RETRY_DELAYS=[0, 0]):
            endpoint = create_webhook(organization=organization, url=f"http://127.0.0.1:{_closed_port()}/siem",
                                      actions=["webhook.*"], description="SIEM collector (offline)",
                                      acting=ACTING)
            drain_outbox()
            delivery = WebhookDelivery.objects.get(endpoint=endpoint)
            while attempt_delivery(delivery_id=delivery.pk) is not None:
                pass

    @staticmethod
    def _refused_email(organization):
        admins = list(Membership.objects.filter(organization=organization, role=Role.ADMIN)
                      .values_list("user__email", flat=True))
        for attempt in (1, 2):
            mail.send_email(organization_id=organization.pk, to=admins, subject="Weekly access review due",
                            body="The quarterly access review is due on Friday.", attempt=attempt)

    @staticmethod
    def _provider_refusal(organization, provider_url):
        config = email_settings_from_url("mailgun://demo-key@mg.trailproof.demo", mailgun_api_url=provider_url)
        with override_settings(EMAIL_DELIVERY_BACKEND=config["EMAIL_BACKEND"], ANYMAIL=config["ANYMAIL"]):
            admins = list(Membership.objects.filter(organization=organization, role=Role.ADMIN)
                          .values_list("user__email", flat=True))
            mail.send_email(organization_id=organization.pk, to=admins, subject="Your export is ready",
                            body="Download it from Trailproof.", attempt=1)

    @staticmethod
    def _fault(organization):
        faults_logger = logging.getLogger("trailproof.faults")
        was_disabled, faults_logger.disabled = faults_logger.disabled, True  # no traceback in the demo's console
        try:
            json.loads('{"export": "manifest", truncated')
        except ValueError as error:
            log_fault(exception=error, where="task audit.build_export_manifest", correlation_id=new_correlation_id(),
                      organization_id=organization.pk)
        finally:
            faults_logger.disabled = was_disabled


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _refusing_smtp_server():
    """Answers every connection with a 554 greeting, as a mail server that blocks the sender does."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.sendall(b"554 5.7.1 mail.northwind.demo: sender address rejected by policy\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        server.close()


@contextmanager
def _refusing_provider():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length", 0)))
            body = json.dumps({"message": "Domain mg.trailproof.demo is not allowed to send: "
                                          "free accounts are for test purposes only"}).encode()
            self.send_response(403)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v3"
    finally:
        server.shutdown()
        server.server_close()
