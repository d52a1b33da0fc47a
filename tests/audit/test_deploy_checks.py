"""`manage.py check --deploy` warns when PostgreSQL would stop keeping the trail's statistics."""
import pytest
from django.core.management import call_command
from django.db import connection

from audit.checks import postgresql_keeps_statistics
from audit.services.statistics import refresh_statistics

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])


def _ids():
    return [warning.id for warning in postgresql_keeps_statistics()]


@pytest.mark.postgres_only
def test_autovacuum_off_on_the_server_is_warned_about():
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
    assert ("trailproof.W001" in _ids()) is (autovacuum != "on")


@pytest.mark.postgres_only
def test_statistics_collection_turned_off_is_warned_about():
    assert "trailproof.W002" not in _ids()
    with connection.cursor() as cursor:
        cursor.execute("SET track_counts = off")
        try:
            assert "trailproof.W002" in _ids()
        finally:
            cursor.execute("SET track_counts = on")


@pytest.mark.postgres_only
def test_the_check_is_part_of_check_deploy(capsys):
    with connection.cursor() as cursor:
        cursor.execute("SET track_counts = off")
        try:
            call_command("check", deploy=True, tags=["trailproof"])
        finally:
            cursor.execute("SET track_counts = on")
    assert "trailproof.W002" in capsys.readouterr().err


def test_sqlite_and_a_healthy_server_are_not_warned_about_track_counts():
    assert "trailproof.W002" not in _ids()


@pytest.mark.postgres_only
def test_refreshing_statistics_analyzes_the_trail(org):
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(analyze_count, 0) FROM pg_stat_user_tables WHERE relname = 'audit_auditevent'")
        before = cursor.fetchone()[0]
        refresh_statistics()
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'audit_auditevent'")
        assert cursor.fetchone()[0] == before + 1
