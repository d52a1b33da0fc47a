"""Shared fixtures: the cast of personas, API clients and database helpers."""
import os

import pytest
from django.db import connection
from django.db.backends.base.operations import BaseDatabaseOperations

from tests.factories import make_organization, make_person


def _allow_test_flush():
    """Transactional tests empty the tables between tests; that empties the audit table through the purge path."""
    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        from audit.guard import PURGE_SETTING, retention_purge_allowed

        if self.connection.vendor == "postgresql":
            sql_list = [f"SELECT set_config('{PURGE_SETTING}', 'on', true)", *sql_list]
            return original(self, sql_list)
        with retention_purge_allowed(self.connection.alias):
            return original(self, sql_list)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush


_allow_test_flush()


def pytest_collection_modifyitems(config, items):
    on_sqlite = os.environ.get("DATABASE_URL", "").startswith("sqlite") or not os.environ.get("DATABASE_URL")
    if not on_sqlite:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (row locks or server-side features); runs in the PostgreSQL pass")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the (per-process) cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def org(db):
    return make_organization("acme", "Acme Corp")


@pytest.fixture
def other_org(db):
    return make_organization("globex", "Globex Inc")


@pytest.fixture
def officer(org):
    return make_person(org, "officer@acme.test", "compliance_officer", "Olivia Officer")


@pytest.fixture
def org_admin(org):
    return make_person(org, "admin@acme.test", "admin", "Adam Admin")


@pytest.fixture
def manager(org):
    return make_person(org, "manager@acme.test", "manager", "Mona Manager")


@pytest.fixture
def member(org):
    return make_person(org, "member@acme.test", "member", "Milo Member")


@pytest.fixture
def outsider(other_org):
    return make_person(other_org, "officer@globex.test", "compliance_officer", "Otto Outsider")


@pytest.fixture
def superuser(db):
    from audit.models import User

    return User.objects.create_superuser("root@trailproof.test", "correct horse battery", full_name="Sue Super")
