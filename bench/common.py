"""Shared benchmark plumbing: Django set up against a dedicated bench database, and timing helpers.

Benchmarks are scripts, not timed tests: they print figures and compare them with raw PostgreSQL measured
in the same run, on the same machine.
"""
import os
import resource
import statistics
import sys
import time
from contextlib import contextmanager

DEFAULT_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/trailproof_bench"
DEFAULT_SYSLOG_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/trailproof_bench_syslog"
_ready = False


def setup(*, migrate: bool = True, quiet: bool = True) -> None:
    """Configure Django for the bench database (DATABASE_URL, default trailproof_bench), create it and migrate it.

    Uses the test settings on purpose: the fast password hasher makes creating many people cheap, and the
    product code under measurement is the same.
    """
    global _ready
    if _ready:
        return
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("SYSLOG_DATABASE_URL", DEFAULT_SYSLOG_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "auditproject.settings_test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    for url in (os.environ["DATABASE_URL"], os.environ["SYSLOG_DATABASE_URL"]):
        if url.startswith("postgres"):
            ensure_postgres_database(url)
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        for alias in ("default", "syslog"):
            call_command("migrate", database=alias, verbosity=0 if quiet else 1, interactive=False)
    _ready = True


def ensure_postgres_database(url: str) -> None:
    """CREATE DATABASE for the bench if it does not exist yet (connecting to the server's `postgres` db)."""
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    name = name.split("?", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def psycopg_dsn(alias: str = "default") -> str:
    """A libpq connection string for a Django database alias, for raw psycopg measurements."""
    from django.db import connections

    params = connections[alias].get_connection_params()
    keys = ("host", "port", "dbname", "user", "password")
    return " ".join(f"{k}={params[k]}" for k in keys if params.get(k))


def bench_organization(slug: str, *, fresh: bool = False):
    """The bench organization `slug`, created through the product's service; `fresh` uses a new unique slug."""
    from audit.acting import Acting
    from audit.models import Organization
    from audit.services.tenancy import create_organization

    if fresh:
        slug = f"{slug}-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}"
    existing = Organization.objects.filter(slug=slug).first()
    return existing or create_organization(slug=slug, name=slug.replace("-", " ").title(),
                                           acting=Acting.for_system("bench"))


@contextmanager
def timer():
    """`with timer() as t: ...` then `t()` is the elapsed seconds (read it after the block)."""
    start = time.perf_counter()
    end = None

    def elapsed():
        return (end or time.perf_counter()) - start

    try:
        yield elapsed
    finally:
        end = time.perf_counter()


def percentile(values, pct: float) -> float:
    """The `pct` percentile (0-100) with linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[max(0, min(98, round(pct) - 1))]


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}/s"


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def report(title: str, rows: list[tuple[str, str]]) -> None:
    """Print a titled two-column table of figures."""
    width = max(len(label) for label, _ in rows)
    print(f"\n== {title}")
    for label, value in rows:
        print(f"  {label.ljust(width)}  {value}")
