"""Planner statistics kept fresh after bulk changes: the trail's plans depend on them, autovacuum or not."""
from django.db import connections

# The tables a bulk load, import or purge changes enough to mislead the planner.
TRAIL_TABLES = ("audit_auditevent", "audit_actor", "audit_eventtarget", "audit_chainhead")


def refresh_statistics(tables: tuple[str, ...] = TRAIL_TABLES, using: str = "default") -> None:
    """ANALYZE the tables now, so the next query is planned on what they hold (SQLite's ANALYZE likewise)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))
        else:
            for table in tables:
                cursor.execute("ANALYZE " + connection.ops.quote_name(table))
