"""Exports produced by PostgreSQL itself (COPY ... TO STDOUT), byte for byte what audit.exports writes in Python.

    export = export_of(queryset, "csv")   # on PostgreSQL: CSV and JSON lines from COPY; else the Python exporter

PostgreSQL builds each finished line (formula prefix, CSV quoting, compact JSON) and hands it over in COPY's
binary form; Python only hashes and forwards the bytes. A row whose JSON holds a number PostgreSQL would write
otherwise than Python (non-zero, below 1e-5: Python switches to exponent form) comes out empty and is written
by the Python exporter instead, so the bytes stay the same whatever the data.
"""
from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import F

from .exports import CSV_COLUMNS, Export, stream_export

COPY_FORMATS = ("csv", "jsonl")
_JSON_COLUMNS = ("automation", "targets", "run", "task", "blueprint", "changes", "metadata")
_COLUMNS = {
    "x_id": F("pk"), "x_seq": F("seq"), "x_org": F("organization__slug"), "x_event_id": F("event_id"),
    "x_action": F("action"), "x_category": F("category"), "x_occurred_at": F("occurred_at"),
    "x_recorded_at": F("recorded_at"), "x_actor_kind": F("actor_kind"), "x_actor_id": F("actor__external_id"),
    "x_actor_name": F("actor__name"), "x_actor_email": F("actor__email"), "x_erased_at": F("actor__erased_at"),
    "x_outcome": F("outcome"), "x_reason": F("reason"), "x_source_ip": F("source_ip"),
    "x_user_agent": F("user_agent"), "x_recorded_via": F("recorded_via"), "x_prev_hash": F("prev_hash"),
    "x_hash": F("hash"), **{f"x_{name}": F(name) for name in _JSON_COLUMNS},
}
# jsonb's text form puts a space after each ',' and ':' between tokens; orjson writes none. Strings are
# matched whole, so their insides are never touched.
_COMPACT = "regexp_replace({}::text, '(\"(?:[^\"\\\\]|\\\\.)*\")|([,:]) ', '\\1\\2', 'g')"
# Python writes a float below 1e-5 as 1e-06 and PostgreSQL as 0.000001: such rows go to the Python path.
_PYTHON_ONLY = " OR ".join(f"j.{name} LIKE '%%0.00000%%'" for name in _JSON_COLUMNS)


def _ts(column: str) -> str:
    return f"to_char(t.{column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"


def _neutral(text: str) -> str:
    """audit.exports.neutralize in SQL: a leading formula character gets a quote before it."""
    return f"(CASE WHEN {text} ~ E'^[=+\\\\-@\\t\\r]' THEN '''' || {text} ELSE {text} END)"


def _cell(text: str) -> str:
    """Python's csv QUOTE_MINIMAL: quoted when it holds a comma, a quote or a line break; quotes doubled."""
    return f"(CASE WHEN {text} ~ E'[\",\\r\\n]' THEN '\"' || replace({text}, '\"', '\"\"') || '\"' ELSE {text} END)"


def _csv_line() -> str:
    json_cell = {name: _cell(_neutral(f"coalesce(nullif(j.{name}, 'null'), '')")) for name in _JSON_COLUMNS}
    cells = [
        "t.x_seq::text", _ts("x_occurred_at"), _ts("x_recorded_at"), _cell(_neutral("coalesce(t.x_event_id, '')")),
        _cell("t.x_action"), _cell("t.x_category"), _cell("t.x_actor_kind"), _cell(_neutral("t.x_actor_id")),
        f"(CASE WHEN t.x_erased_at IS NOT NULL THEN '' ELSE {_cell(_neutral('t.x_actor_name'))} END)",
        _cell("t.x_outcome"), _cell(_neutral("t.x_reason")), json_cell["targets"], json_cell["run"],
        json_cell["task"], json_cell["blueprint"], json_cell["automation"], _cell("coalesce(t.x_source_ip, '')"),
        _cell(_neutral("t.x_recorded_via")), _cell("t.x_prev_hash"), _cell("t.x_hash"),
    ]
    return " || ',' || ".join(cells) + " || E'\\r\\n'"


def _str(text: str) -> str:
    return f"coalesce(to_json({text}::text)::text, 'null')"


def _person(column: str) -> str:
    """The actor's name or email, as event_document gives it: null when erased or blank."""
    return f"(CASE WHEN t.x_erased_at IS NOT NULL OR coalesce({column}, '') = '' THEN 'null' ELSE {_str(column)} END)"


def _jsonl_line() -> str:
    source = ("(CASE WHEN t.x_source_ip IS NULL AND t.x_user_agent IS NULL THEN 'null' ELSE "
              f"'{{\"ip\":' || {_str('t.x_source_ip')} || ',\"user_agent\":' || {_str('t.x_user_agent')} || '}}' END)")
    parts = [
        ('{"id":', "t.x_id::text"), (',"organization":', _str("t.x_org")), (',"seq":', "t.x_seq::text"),
        (',"event_id":', _str("t.x_event_id")), (',"action":', _str("t.x_action")),
        (',"category":', _str("t.x_category")), (',"occurred_at":"', _ts("x_occurred_at")),
        ('","recorded_at":"', _ts("x_recorded_at")), ('","actor":{"kind":', _str("t.x_actor_kind")),
        (',"id":', _str("t.x_actor_id")), (',"name":', _person("t.x_actor_name")),
        (',"email":', _person("t.x_actor_email")), ('},"automation":', "coalesce(j.automation, 'null')"),
        (',"outcome":', _str("t.x_outcome")), (',"reason":', _str("t.x_reason")),
        *[(f',"{name}":', f"coalesce(j.{name}, 'null')") for name in ("targets", "run", "task", "blueprint",
                                                                        "changes")],
        (',"source":', source), (',"metadata":', "coalesce(j.metadata, 'null')"),
        (',"recorded_via":', _str("t.x_recorded_via")), (',"prev_hash":', _str("t.x_prev_hash")),
        (',"hash":', _str("t.x_hash")),
    ]
    return " || ".join(f"'{literal}' || {value}" for literal, value in parts) + " || E'}\\n'"


_LINES = {"csv": _csv_line(), "jsonl": _jsonl_line()}
_JSON_TEXTS = ", ".join(f"{_COMPACT.format('t.x_' + name)} AS {name}" for name in _JSON_COLUMNS)


def _copy_sql(inner: str, fmt: str) -> str:
    # `inner` is Django's compiled query (its values stay parameters); everything else here is constant text.
    return (f"COPY (SELECT t.x_seq, CASE WHEN {_PYTHON_ONLY} THEN NULL ELSE convert_to({_LINES[fmt]}, 'UTF8') END "
            f"FROM ({inner}) t CROSS JOIN LATERAL (SELECT {_JSON_TEXTS}) j WHERE t.x_seq > %s ORDER BY t.x_seq) "
            "TO STDOUT (FORMAT binary)")


class _PythonRow(Exception):
    def __init__(self, seq: int):
        self.seq = seq


class CopyExport(Export):
    """The Python exporter's framing and manifest, with its lines made by PostgreSQL."""

    def _csv_lines(self):
        yield (",".join(CSV_COLUMNS) + "\r\n").encode()
        yield from self._copied_lines()

    def _json_lines(self):
        yield from self._copied_lines()

    def _copied_lines(self):
        queryset = self._queryset.values(**_COLUMNS)
        try:
            inner, params = queryset.query.get_compiler(using=queryset.db).as_sql()
        except EmptyResultSet:  # filters no row can match, such as an unknown actor
            return
        sql, connection, after = _copy_sql(inner, self.format), connections[queryset.db], 0
        while after is not None:
            try:
                # A savepoint (or a transaction), so a copy cut short leaves the connection usable.
                with transaction.atomic(using=queryset.db), connection.cursor() as cursor, \
                        cursor.cursor.copy(sql, [*params, after]) as copy:
                    copy.set_types(["int8", "bytea"])
                    for seq, line in copy.rows():
                        if line is None:
                            raise _PythonRow(seq)
                        self._seen(seq)
                        yield line
                after = None
            except _PythonRow as row:
                yield self._python_line(row.seq)
                after = row.seq

    def _python_line(self, seq: int) -> bytes:
        self._seen(seq)
        data = b"".join(Export(self._queryset.filter(seq=seq), self.format))
        return data.split(b"\r\n", 1)[1] if self.format == "csv" else data


def export_of(queryset, fmt: str) -> Export:
    """The export of `queryset` in `fmt`: made by PostgreSQL where it can be, else by the Python exporter."""
    if fmt in COPY_FORMATS and connections[queryset.db].vendor == "postgresql":
        return CopyExport(queryset, fmt)
    return stream_export(queryset, fmt)
