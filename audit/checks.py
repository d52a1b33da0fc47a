"""Deployment checks (`manage.py check --deploy`): the PostgreSQL settings the audit workload depends on."""
from django.core.checks import Warning, register
from django.db import DatabaseError, connections

# The trail's queries are planned on statistics: with these off, plans go stale as the tables grow.
REQUIRED_ON = {
    "autovacuum": ("trailproof.W001", "Turn autovacuum on (postgresql.conf: autovacuum = on): without it dead "
                   "rows pile up and the tables are never re-analyzed, so the trail's queries slow down."),
    "track_counts": ("trailproof.W002", "Turn track_counts on (postgresql.conf: track_counts = on): autovacuum "
                     "needs it to know when to vacuum and analyze."),
}


def _postgresql_warnings(alias: str) -> list[Warning]:
    found = []
    try:
        with connections[alias].cursor() as cursor:
            for name, (check_id, hint) in REQUIRED_ON.items():
                cursor.execute(f"SHOW {name}")
                if cursor.fetchone()[0] != "on":
                    found.append(Warning(f"PostgreSQL's {name} is off on the database {alias!r}.", hint=hint,
                                         id=check_id))
    except DatabaseError as error:
        found.append(Warning(f"Could not read the PostgreSQL settings of the database {alias!r}: {error}",
                             hint="Check that the database is reachable with these credentials.",
                             id="trailproof.W003"))
    return found


@register("trailproof", deploy=True)
def postgresql_keeps_statistics(app_configs=None, **kwargs) -> list[Warning]:
    warnings = []
    for alias in connections:
        if connections[alias].vendor == "postgresql":
            warnings += _postgresql_warnings(alias)
    return warnings
