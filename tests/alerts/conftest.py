"""Fixtures for the alert tests: counters start empty, the system log's fixtures are shared."""
import pytest
from django.core.cache import cache

from syslog.alerts.rules import _read
from tests.syslog.conftest import private_targets, receiver, smtp_server  # noqa: F401


@pytest.fixture(autouse=True)
def empty_counters():
    cache.clear()
    _read.clear()  # organization ids are reused between tests on SQLite
    yield
    cache.clear()
    _read.clear()
