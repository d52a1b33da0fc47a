"""The application's PostgreSQL role may add and read audit rows, and purge only through the owner's function."""
import os
import subprocess
import sys
from datetime import timedelta

import psycopg
import pytest
from django.db import connection, connections, transaction

from audit.models import AuditEvent, RetentionReceipt
from audit.retention_sql import grant_application_role
from audit.services.integrity import verify_chain
from audit.services.merkle_store import extend_tree
from tests.retention.conftest import DAY, record_at

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True, databases=["default", "syslog"])]
PASSWORD = "app-role-test-password"  # noqa: S105 (a throwaway role of the test database)


@pytest.fixture
def app_role():
    """A login role like the one DATABASE_URL names in production, granted as `migrate --database migrate` does."""
    role = f"trailproof_app_test{connection.settings_dict['NAME'].removeprefix('test_trailproof')}"
    with connection.cursor() as cursor:
        cursor.execute(f"""DO $$ BEGIN CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}';
                           EXCEPTION WHEN duplicate_object THEN NULL; END $$""")
    grant_application_role(connection, role)
    yield role
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {role}")
        cursor.execute(f"DROP ROLE {role}")


@pytest.fixture
def as_app(app_role):
    settings = connection.settings_dict
    with psycopg.connect(host=settings["HOST"], port=settings["PORT"], dbname=settings["NAME"], user=app_role,
                         password=PASSWORD, autocommit=True) as app:
        yield app


REFUSED = [
    "UPDATE audit_auditevent SET reason = 'rewritten'",
    "DELETE FROM audit_auditevent",
    "TRUNCATE audit_auditevent CASCADE",
    "DELETE FROM audit_eventtarget",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only",
    "DROP TRIGGER audit_event_append_only ON audit_auditevent",
    "ALTER TABLE audit_auditevent OWNER TO CURRENT_USER",
    "SET session_replication_role = replica",
    "SELECT set_config('trailproof.retention_purge', 'on', false); DELETE FROM audit_auditevent",
    "CREATE OR REPLACE FUNCTION trailproof_purge_batch(bigint, timestamptz, integer, timestamptz, bigint, "
    "OUT receipt_id bigint, OUT resume_at timestamptz, OUT resume_seq bigint) LANGUAGE sql "
    "AS 'SELECT 1::bigint, now(), 1::bigint'",
    "UPDATE audit_retentionreceipt SET count = 0",
    "DELETE FROM audit_retentionreceipt",
    "UPDATE audit_organization SET retention_days = 30",
    "SELECT set_config('trailproof.erasure', 'on', false); UPDATE audit_auditevent SET source_ip = NULL",
    "UPDATE audit_redaction SET redacted_hash = 'x'",
]


@pytest.mark.parametrize("sql", REFUSED)
def test_every_other_way_to_change_or_remove_audit_rows_is_refused(as_app, org, now, sql):
    record_at(org, now - 400 * DAY, count=2)
    before = AuditEvent.objects.filter(organization=org).count()
    with pytest.raises(psycopg.Error), as_app.transaction():
        for statement in sql.split("; "):
            as_app.execute(statement)
    assert AuditEvent.objects.filter(organization=org).count() == before
    assert AuditEvent.objects.filter(organization=org, reason="rewritten").count() == 0


def test_the_application_role_adds_and_reads_audit_rows(as_app, org):
    assert as_app.execute("SELECT count(*) FROM audit_auditevent WHERE organization_id = %s", [org.pk]).fetchone()[0]
    with as_app.transaction():
        as_app.execute("INSERT INTO audit_eventtarget (event_id, organization_id, target_type, target_id) "
                       "VALUES (1, %s, 'task', 't-1')", [org.pk])
        raise psycopg.Rollback()  # the privilege is proved; leave nothing behind


def test_the_purge_command_runs_as_the_application_role(app_role, org, now):
    old = record_at(org, now - 400 * DAY, count=3)
    settings = connection.settings_dict
    syslog = connections["syslog"].settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "auditproject.settings_test",
           "DATABASE_URL": f"postgres://{app_role}:{PASSWORD}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}",
           "SYSLOG_DATABASE_URL": f"postgres://{syslog['USER']}:{syslog['PASSWORD']}@{syslog['HOST']}:"
                                  f"{syslog['PORT']}/{syslog['NAME']}"}
    done = subprocess.run([sys.executable, "manage.py", "purge_expired", "--org", org.slug], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "acme: deleted 3 events" in done.stdout
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert RetentionReceipt.objects.get(organization=org).event.action == "retention.purged"
    assert verify_chain(org).ok


def test_the_purge_function_deletes_only_what_the_policy_allows(as_app, org, now):
    old = record_at(org, now - 400 * DAY, count=2)
    young = record_at(org, now - 200 * DAY)
    with transaction.atomic():
        extend_tree(org)
    beyond_the_tree = record_at(org, now - 400 * DAY)
    # Asking for a far future "now" cannot widen the purge: the function never looks past the real clock.
    receipt_id = as_app.execute("SELECT receipt_id FROM trailproof_purge_batch(%s, %s, 1000, NULL, NULL)",
                                [org.pk, now + timedelta(days=3650)]).fetchone()[0]
    receipt = RetentionReceipt.objects.get(pk=receipt_id)
    assert receipt.count == 2 and receipt.policy_days == 365
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEvent.objects.filter(pk=young[0].pk).exists()
    # Expired, but its leaf is not stored yet: it waits for a purge after the tree has grown over it.
    assert AuditEvent.objects.filter(pk=beyond_the_tree[0].pk).exists()
    # Naming the receipt's event is the one change allowed, once.
    as_app.execute("UPDATE audit_retentionreceipt SET event_id = %s WHERE id = %s", [young[0].pk, receipt_id])
    with pytest.raises(psycopg.Error):
        as_app.execute("UPDATE audit_retentionreceipt SET event_id = NULL WHERE id = %s", [receipt_id])
