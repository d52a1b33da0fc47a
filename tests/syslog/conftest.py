"""Fixtures for the system log and webhook tests: keyed API clients and a real local webhook receiver."""
import http.server
import json
import queue
import socket
import threading

import pytest
from rest_framework.test import APIClient

from audit.acting import Acting
from audit.services.api_keys import create_api_key
from auditproject.email import email_settings_from_url


def make_key(organization, scopes, name="integration") -> str:
    return create_api_key(organization=organization, name=name, scopes=scopes,
                          acting=Acting.for_system("tests")).plain


def key_client(organization, *scopes) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_key(organization, scopes)}")
    return client


@pytest.fixture
def webhooks_api(org):
    return key_client(org, "webhooks:manage")


@pytest.fixture
def syslog_api(org):
    return key_client(org, "syslog:read")


@pytest.fixture
def outsider_api(other_org):
    """Another organization's key holding every scope."""
    return key_client(other_org, "events:write", "events:read", "export", "syslog:read", "webhooks:manage")


@pytest.fixture
def private_targets(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    return settings


class Receiver:
    """A real HTTP server on 127.0.0.1 that records each request and answers with the next scripted status."""

    def __init__(self):
        self.requests: queue.Queue = queue.Queue()
        self.statuses: list[int] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.requests.put({"headers": {k.lower(): v for k, v in self.headers.items()},
                                       "body": body, "path": self.path, "status": status})
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/trailproof"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def received(self, timeout=60.0) -> dict:
        return self.requests.get(timeout=timeout)

    def all_received(self) -> list[dict]:
        items = []
        while not self.requests.empty():
            items.append(self.requests.get_nowait())
        return items


@pytest.fixture
def receiver():
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


class SmtpHandler:
    """Accepts messages, or answers RCPT with the next scripted refusal (like "550 5.1.1 No such user")."""

    def __init__(self):
        self.messages: list[bytes] = []
        self.refusals: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusals:
            return self.refusals.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on 127.0.0.1, and Django's SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller

    handler = SmtpHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    handler.port = controller.port
    yield handler
    controller.stop()


class ProviderApi:
    """A real HTTP server standing in for Mailgun's API: records each send and answers as scripted."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict]] = []
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                api.requests.append({"path": self.path, "body": body,
                                     "headers": {k.lower(): v for k, v in self.headers.items()}})
                status, answer = api.answers.pop(0) if api.answers else (
                    200, {"id": "<20261130.1@mg.example.com>", "message": "Queued. Thank you."})
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v3"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def mailgun(settings):
    """Mailgun through django-anymail, its API answered by a local server (as anymail's own tests do)."""
    api = ProviderApi()
    config = email_settings_from_url("mailgun://key-test-123@mg.example.com", mailgun_api_url=api.url)
    settings.EMAIL_DELIVERY_BACKEND = config["EMAIL_BACKEND"]
    settings.ANYMAIL = config["ANYMAIL"]
    yield api
    api.server.shutdown()
    api.server.server_close()
