"""Application faults: logged with a stack trace and a correlation id; the person sees the id and nothing else."""
import json

import pytest
from django.test import Client

from syslog import views as system_views
from syslog.api import views as api_views
from syslog.models import SystemLogEntry
from syslog.tasks import deliver_webhook

from .conftest import key_client

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])


def explode(*args, **kwargs):
    raise RuntimeError("connection string postgres://internal:hunter2@db.internal/trail is broken")


def test_a_fault_in_a_page_shows_only_the_correlation_id_that_the_log_holds(org, org_admin, monkeypatch):
    monkeypatch.setattr(system_views, "system_log_page", explode)
    client = Client()
    client.force_login(org_admin)

    response = client.get("/system/log/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "hunter2" not in page and "RuntimeError" not in page and "Traceback" not in page
    shown = page.split('id="correlation-id">')[1].split("<")[0]
    [fault] = SystemLogEntry.objects.filter(kind="app.fault")
    assert fault.details["correlation_id"] == shown
    assert fault.organization_id == org.pk and fault.severity == "error"
    assert "Traceback" in fault.details["traceback"] and "explode" in fault.details["traceback"]
    assert fault.details["where"] == "GET /system/log/"


def test_a_fault_in_the_api_answers_json_with_the_correlation_id(org, monkeypatch):
    monkeypatch.setattr(api_views, "system_logs_for", explode)

    response = key_client(org, "syslog:read").get("/api/v1/system-logs")

    assert response.status_code == 500
    body = json.loads(response.content)
    [error] = body["errors"]
    assert set(error) == {"message", "correlation_id"} and "hunter2" not in error["message"]
    [fault] = SystemLogEntry.objects.filter(kind="app.fault")
    assert fault.details["correlation_id"] == error["correlation_id"] and fault.organization_id == org.pk


def test_an_anonymous_fault_goes_to_the_deployment(monkeypatch, db):
    monkeypatch.setattr("audit.views.accounts.LoginView.get", explode)
    response = Client().get("/accounts/login/")
    assert response.status_code == 500
    [fault] = SystemLogEntry.objects.filter(kind="app.fault")
    assert fault.organization_id == 0


def test_a_fault_in_a_task_is_logged_with_the_task_id(org):
    result = deliver_webhook.apply(args=("not-a-delivery-id",), task_id="task-correlation-1")

    assert result.failed()
    [fault] = SystemLogEntry.objects.filter(kind="app.fault")
    assert fault.details["correlation_id"] == "task-correlation-1"
    assert fault.details["where"] == "task syslog.deliver_webhook"
