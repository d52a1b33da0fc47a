"""The sign-in, sign-out and password events, driven through the real pages with Django's test client."""
import re

import orjson
import pytest
from django.core import mail

from audit.documents import event_document
from audit.models import Actor, AuditEvent
from syslog.models import SystemLogEntry
from tests.audit.conftest import login
from tests.factories import PASSWORD, make_person

NEW_PASSWORD = "a brand new passphrase 42"
SECRET_GUESS = "Hunter2-very-secret-guess"


def only(org, action: str) -> AuditEvent:
    return AuditEvent.objects.select_related("organization", "actor").get(organization=org, action=action)


def test_signing_in_records_auth_login_with_the_source(client, member, org):
    response = client.post("/accounts/login/", {"username": member.email, "password": PASSWORD},
                           REMOTE_ADDR="198.51.100.23", HTTP_USER_AGENT="Firefox/130")
    assert response.status_code == 302
    event = only(org, "auth.login")
    assert event.actor.user == member and event.category == "authentication" and event.outcome == "success"
    assert (event.source_ip, event.user_agent) == ("198.51.100.23", "Firefox/130")


def test_signing_out_records_auth_logout(client, member, org):
    client.force_login(member)
    assert client.post("/accounts/logout/").status_code == 302
    assert only(org, "auth.logout").actor.user == member


def test_a_failed_sign_in_records_the_attempted_email_and_ip_and_never_the_password(client, member, org):
    login(client, "Member@ACME.test", SECRET_GUESS, ip="192.0.2.44")

    event = only(org, "auth.login_failed")
    assert event.outcome == "failure" and event.reason == "wrong password"
    assert event.metadata["attempted_email"] == "Member@ACME.test"
    assert event.source_ip == "192.0.2.44"
    stored = b"".join(orjson.dumps(event_document(e)) for e in AuditEvent.objects.select_related(
        "organization", "actor"))
    stored += orjson.dumps(list(Actor.objects.values()), default=str)
    assert SECRET_GUESS.encode() not in stored


def test_a_person_in_two_organizations_is_recorded_in_both(client, member, org, other_org):
    make_person(other_org, member.email, "member")
    login(client, member.email, PASSWORD)
    assert only(org, "auth.login").actor.user == only(other_org, "auth.login").actor.user == member


def test_changing_the_password_on_the_page_records_it(client, member, org):
    client.force_login(member)
    response = client.post("/accounts/password_change/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                          "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert only(org, "auth.password_changed").actor.user == member
    client.logout()
    assert login(client, member.email, NEW_PASSWORD).status_code == 302


def test_a_refused_password_change_records_nothing(client, member, org):
    client.force_login(member)
    client.post("/accounts/password_change/", {"old_password": "wrong old one", "new_password1": NEW_PASSWORD,
                                               "new_password2": NEW_PASSWORD})
    assert not AuditEvent.objects.filter(action="auth.password_changed").exists()


@pytest.mark.django_db(databases=["default", "syslog"])
def test_a_password_reset_is_recorded_when_requested_and_when_completed(client, member, org,
                                                                      django_capture_on_commit_callbacks):
    # The system log entries are written once the recording commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password_reset/", {"email": member.email}, REMOTE_ADDR="192.0.2.8")
    assert response.status_code == 302
    requested = only(org, "auth.password_reset_requested")
    assert requested.actor.user == member and requested.source_ip == "192.0.2.8"
    assert SystemLogEntry.objects.get(organization_id=org.pk, kind="password_reset.requested").details == {
        "user": f"user:{member.pk}"}

    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    set_password_page = client.get(link)
    assert set_password_page.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(set_password_page.url, {"new_password1": NEW_PASSWORD,
                                                       "new_password2": NEW_PASSWORD})
    assert response.status_code == 302

    assert only(org, "auth.password_reset_completed").actor.user == member
    assert SystemLogEntry.objects.filter(organization_id=org.pk, kind="password_reset.completed").count() == 1
    assert login(client, member.email, NEW_PASSWORD).status_code == 302


@pytest.mark.django_db(databases=["default", "syslog"])
def test_a_reset_for_an_unknown_email_records_nothing_and_looks_the_same(client, member, org,
                                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/accounts/password_reset/", {"email": member.email})
        unknown = client.post("/accounts/password_reset/", {"email": "stranger@acme.test"})
    assert (unknown.status_code, unknown.url) == (known.status_code, known.url)
    assert AuditEvent.objects.filter(action="auth.password_reset_requested").count() == 1
    assert SystemLogEntry.objects.filter(kind="password_reset.requested").count() == 1
