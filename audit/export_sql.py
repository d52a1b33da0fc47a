"""Exports produced by PostgreSQL itself (COPY ... TO STDOUT), byte for byte what audit.exports writes in Python.

    export = export_of(queryset, "csv")   # on PostgreSQL: CSV and JSON lines from COPY; else the Python exporter

CSV: COPY's own CSV writer quotes as Python's csv module does; SQL adds the formula prefix and compact JSON, and
Python only turns each row's LF into CR LF. JSON lines: SQL builds each line, sent in COPY's text form (Python
undoes its one escape, the doubled backslash, once per range of rows). Python hashes and forwards the bytes (the
manifest). A row whose JSON holds a number PostgreSQL would write otherwise than
Python (non-zero, below 1e-5: Python switches to exponent form) is flagged and written by the Python exporter in its
place, so the bytes stay the same whatever the data.
"""
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import F, Max, Min

from .export_streams import in_parallel, seq_ranges
from .exports import CSV_COLUMNS, Export, stream_export

COPY_FORMATS = ("csv", "jsonl")
# JIT-compiling this long expression costs more than it saves (measured: 2.4x slower); a Memoize node caching the
# compacted JSON by the columns' text hashed every cell and evicted most of them (24% of the time with it); a hash
# join read every actor of every organization for each range of 5,000 events, then sorted them back into seq order
# (an index probe per event keeps the order: 29 -> 11 ms a range).
COPY_SETTINGS = ("SET LOCAL jit = off", "SET LOCAL enable_memoize = off", "SET LOCAL enable_hashjoin = off",
                 "SET LOCAL enable_mergejoin = off")
_CSV_JSON = ("targets", "run", "task", "blueprint", "automation")  # in the CSV's column order
_JSON_COLUMNS = ("automation", "targets", "run", "task", "blueprint", "changes", "metadata")
_COLUMNS = {
    "x_id": F("pk"), "x_seq": F("seq"), "x_org": F("organization__slug"), "x_event_id": F("event_id"),
    "x_action": F("action"), "x_category": F("category"), "x_occurred_at": F("occurred_at"),
    "x_recorded_at": F("recorded_at"), "x_actor_kind": F("actor_kind"), "x_actor_id": F("actor__external_id"),
    "x_actor_name": F("actor__name"), "x_actor_email": F("actor__email"), "x_erased_at": F("actor__erased_at"),
    "x_org_id": F("organization_id"), "x_actor_pk": F("actor_id"),
    "x_outcome": F("outcome"), "x_reason": F("reason"), "x_source_ip": F("source_ip"),
    "x_user_agent": F("user_agent"), "x_recorded_via": F("recorded_via"), "x_prev_hash": F("prev_hash"),
    "x_hash": F("hash"), **{f"x_{name}": F(name) for name in _JSON_COLUMNS},
}


def _compact(text: str) -> str:
    """jsonb's text (a space after each ',' and ':') as orjson writes it (none).

    json_strip_nulls re-emits JSON without spaces but drops null members, so those are first wrapped as
    `[null]` and unwrapped after; text already holding "[null]" takes a slower, string-aware regular expression.
    """
    plain = f"json_strip_nulls({text}::json)::text"
    wrapped = (f"replace(replace(json_strip_nulls(replace({text}, ': null', ': [null]')::json)::text, "
               f"':[null]', ':null'), ': [null]', ': null')")
    slow = f"""regexp_replace({text}, '("(?:[^"\\\\]|\\\\.)*")|([,:]) ', '\\1\\2', 'g')"""
    return (f"(CASE WHEN strpos({text}, ': null') = 0 THEN {plain} "
            f"WHEN strpos({text}, '[null]') = 0 THEN {wrapped} ELSE {slow} END)")


def _ts(column: str) -> str:
    return f"""to_char(t.{column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


def _neutral(text: str) -> str:
    """audit.exports.neutralize in SQL: a leading formula character gets a quote before it."""
    triggers = "'=', '+', '-', '@', E'\\t', E'\\r'"
    return f"(CASE WHEN left({text}, 1) IN ({triggers}) THEN '''' || {text} ELSE {text} END)"


def _empty_as_null(text: str) -> str:
    return f"nullif({text}, '')"  # COPY writes '' as "" (to tell it from NULL); Python's csv writes nothing


def _csv_select(python_only: str = "") -> tuple[str, str]:
    """The CSV's columns for COPY's own CSV writer, which quotes exactly as Python's csv module does
    (comma, quote, CR or LF) as long as empty strings are sent as NULL; a first column flags Python-only rows."""
    neutral = {  # computed once per row (OFFSET 0 keeps the planner from inlining each use)
        "event_id": "coalesce(t.x_event_id, '')", "actor_id": "t.x_actor_id", "actor_name": "t.x_actor_name",
        "reason": "t.x_reason", "recorded_via": "t.x_recorded_via",
        **{name: f"coalesce(nullif(j.{name}, 'null'), '')" for name in _CSV_JSON},
    }
    python_only = python_only or " OR ".join(f"strpos(j.{name}, '0.00000') > 0" for name in _CSV_JSON)
    cells = [
        f"CASE WHEN {python_only} THEN 'P' END", "t.x_seq", _ts("x_occurred_at"), _ts("x_recorded_at"),
        "n.event_id", _empty_as_null("t.x_action"), _empty_as_null("t.x_category"),
        _empty_as_null("t.x_actor_kind"), "n.actor_id",
        f"CASE WHEN t.x_erased_at IS NULL THEN n.actor_name ELSE {_PSEUDONYM} END",
        _empty_as_null("t.x_outcome"), "n.reason", *[f"n.{name}" for name in _CSV_JSON],
        _empty_as_null("t.x_source_ip"), "n.recorded_via", _empty_as_null("t.x_prev_hash"),
        _empty_as_null("t.x_hash"),
    ]
    laterals = (_laterals(_CSV_JSON) + " CROSS JOIN LATERAL (SELECT "
                + ", ".join(f"{_empty_as_null(_neutral(value))} AS {name}" for name, value in neutral.items())
                + " OFFSET 0) n")
    return ", ".join(cells), laterals


def _str(text: str) -> str:
    return f"coalesce(to_json({text}::text)::text, 'null')"


def _ident(text: str) -> str:
    """A JSON string of a value free of control characters (event and actor ids and emails, which
    audit.validation._identifier refuses them in; slugs; recorded_via, which the code composes): only
    `\\` and `"` to escape, without to_json's per-call type lookup (5% of the statement's CPU, measured)."""
    return f"""coalesce('"' || replace(replace({text}, E'\\\\', E'\\\\\\\\'), '"', E'\\\\"') || '"', 'null')"""


def _plain(text: str) -> str:
    """A JSON string of a value with nothing to escape: the action (validated against ACTION_RE), its category (the
    catalog's), the actor kind (one of ACTOR_KINDS), the outcome (one of OUTCOMES) and the hashes (hex); none is ever
    NULL."""
    return f"""'"' || {text} || '"'"""


# audit.people.pseudonym_for, in SQL: how an erased person is shown is decided there, and a test holds the two equal.
_PSEUDONYM = ("('erased-' || left(encode(sha256(convert_to('trailproof:' || t.x_org_id || ':' || t.x_actor_pk, "
              "'UTF8')), 'hex'), 8))")


def _person_name(column: str) -> str:
    """The actor's name as event_document gives it: the pseudonym when erased, null when blank."""
    return (f"(CASE WHEN t.x_erased_at IS NOT NULL THEN '\"' || {_PSEUDONYM} || '\"' "
            f"WHEN coalesce({column}, '') = '' THEN 'null' ELSE {_str(column)} END)")


def _email(column: str) -> str:
    """The actor's email, as event_document gives it: null when erased or blank."""
    return f"(CASE WHEN t.x_erased_at IS NOT NULL OR coalesce({column}, '') = '' THEN 'null' ELSE {_ident(column)} END)"


def _jsonl_select(python_only: str = "") -> tuple[str, str]:
    source = ("(CASE WHEN t.x_source_ip IS NULL AND t.x_user_agent IS NULL THEN 'null' ELSE "
              f"""'{{"ip":' || {_str('t.x_source_ip')} || ',"user_agent":' || {_str('t.x_user_agent')} || '}}' END)""")
    parts = [
        ('{"id":', "t.x_id::text"), (',"organization":', _ident("t.x_org")), (',"seq":', "t.x_seq::text"),
        (',"event_id":', _ident("t.x_event_id")), (',"action":', _plain("t.x_action")),
        (',"category":', _plain("t.x_category")), (',"occurred_at":"', _ts("x_occurred_at")),
        ('","recorded_at":"', _ts("x_recorded_at")), ('","actor":{"kind":', _plain("t.x_actor_kind")),
        (',"id":', _ident("t.x_actor_id")), (',"name":', _person_name("t.x_actor_name")),
        (',"email":', _email("t.x_actor_email")), ('},"automation":', "coalesce(j.automation, 'null')"),
        (',"outcome":', _plain("t.x_outcome")), (',"reason":', _str("t.x_reason")),
        *[(f',"{name}":', f"coalesce(j.{name}, 'null')") for name in ("targets", "run", "task", "blueprint",
                                                                        "changes")],
        (',"source":', source), (',"metadata":', "coalesce(j.metadata, 'null')"),
        (',"recorded_via":', _ident("t.x_recorded_via")), (',"prev_hash":', _plain("t.x_prev_hash")),
        (',"hash":', _plain("t.x_hash")),
    ]
    line = " || ".join(f"'{literal}' || {value}" for literal, value in parts) + " || '}'"
    # Python writes a float below 1e-5 as 1e-06 and PostgreSQL as 0.000001: such rows take the Python path.
    # Only changes and metadata can hold numbers that are not integers (the rest are validated strings).
    python_only = python_only or " OR ".join(f"strpos(j.{name}, '0.00000') > 0" for name in ("changes", "metadata"))
    return f"CASE WHEN {python_only} THEN 'P' || t.x_seq ELSE {line} END", _laterals(_JSON_COLUMNS)


def _laterals(columns) -> str:
    raw = ", ".join(f"t.x_{name}::text AS {name}" for name in columns)
    compact = ", ".join(f"{_compact('r.' + name)} AS {name}" for name in columns)
    return f"CROSS JOIN LATERAL (SELECT {raw} OFFSET 0) r CROSS JOIN LATERAL (SELECT {compact} OFFSET 0) j"


_SELECTS = {"csv": _csv_select(), "jsonl": _jsonl_select()}


def _copy_sql(inner: str, fmt: str) -> str:
    # `inner` is Django's compiled query (its values stay parameters); everything else here is constant text.
    columns, laterals = _SELECTS[fmt]
    return (f"COPY (SELECT {columns} FROM ({inner}) t {laterals} WHERE t.x_seq > %s ORDER BY t.x_seq) "
            f"TO STDOUT (FORMAT {'csv' if fmt == 'csv' else 'text'})")


def _csv_seq(row: bytes) -> int:
    return int(row[1:row.index(b",", 1)])


_SEQ_KEY = b',"seq":'


def _line_seq(line: bytes) -> int:
    start = line.index(_SEQ_KEY) + len(_SEQ_KEY)  # the first one: "id" and "organization" come before it
    return int(line[start:line.index(b",", start)])


def _unescaped(lines: bytes) -> bytes:
    """COPY's text format doubles every backslash; a JSON line holds no other character it escapes (no control
    character: JSON writes those as escapes), and each row ends in LF, as a JSON line does."""
    return lines.replace(b"\\\\", b"\\")


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
        alias = self._queryset.db
        streams = settings.EXPORT_COPY_STREAMS
        if streams > 1 and not connections[alias].in_atomic_block:  # inside a transaction, other connections
            yield from self._copied_in_streams(alias, streams)    # would not see what it wrote
        else:
            yield from self._copied_in_one_stream(alias)

    def _compiled(self, queryset) -> tuple[str, list] | None:
        try:
            return queryset.values(**_COLUMNS).query.get_compiler(using=queryset.db).as_sql()
        except EmptyResultSet:  # filters no row can match, such as an unknown actor
            return None

    def _copied_in_one_stream(self, alias):
        compiled = self._compiled(self._queryset)
        if compiled is None:
            return
        inner, params = compiled
        sql, connection, after = _copy_sql(inner, self.format), connections[alias], 0
        while after is not None:
            try:
                # A savepoint (or a transaction), so a copy cut short leaves the connection usable; rolled back
                # when done (it only read), so the planner settings do not outlive it in a caller's transaction.
                with transaction.atomic(using=alias), connection.cursor() as cursor:
                    for setting in COPY_SETTINGS:
                        cursor.execute(setting)
                    copying = cursor.cursor.copy(sql, [*params, after])
                    yield from self._csv_rows(copying) if self.format == "csv" else self._json_rows(copying)
                    transaction.set_rollback(True, using=alias)
                after = None
            except _PythonRow as row:
                yield self._python_line(row.seq)
                after = row.seq

    def _copied_in_streams(self, alias, streams):
        """Consecutive seq ranges copied by several connections in this transaction's snapshot (export_streams)."""
        if self._compiled(self._queryset) is None:
            return
        with transaction.atomic(using=alias):
            with connections[alias].cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
            bounds = self._queryset.aggregate(first=Min("seq"), last=Max("seq"))
            if bounds["first"] is None:
                return
            jobs = (job for after, through in seq_ranges(bounds["first"], bounds["last"])
                    if (job := self._range_job(after, through)) is not None)
            for segments in in_parallel(alias, snapshot, jobs, self._copy_range, streams, COPY_SETTINGS):
                for segment in segments:
                    if isinstance(segment, int):  # a row the Python exporter writes (see _copy_sql)
                        yield self._python_line(segment)
                    else:
                        first, last, count, data = segment
                        self._seen_rows(first, last, count)
                        yield data

    def _range_job(self, after: int, through: int) -> tuple[str, list] | None:
        compiled = self._compiled(self._queryset.filter(seq__gt=after, seq__lte=through))
        return None if compiled is None else (_copy_sql(compiled[0], self.format), [*compiled[1], after])

    def _copy_range(self, connection, sql, params) -> list:
        """On a stream's connection: the range's rows as (first seq, last seq, count, bytes) runs, with the seq of
        each row the Python exporter writes between them."""
        segments, rows, seqs = [], [], []

        def close_run():
            if rows:
                segments.append((seqs[0], seqs[-1], len(rows), b"".join(rows)))
                rows.clear()
                seqs.clear()

        with connection.cursor().copy(sql, params) as copy:
            if self.format == "csv":
                for message in copy:
                    row = bytes(message)
                    if row[0] != 44:  # the flag column: not empty, so this row is written by Python
                        close_run()
                        segments.append(int(row[2:row.index(b",", 2)]))
                        continue
                    seqs.append(row)  # the seq is parsed only for a run's first and last row
                    rows.append(row[1:-1] + b"\r\n")
            else:
                for message in copy:
                    if message[0] == 80:  # "P<seq>": a row the Python exporter writes
                        close_run()
                        segments.append(int(bytes(message[1:-1])))
                        continue
                    line = bytes(message)
                    seqs.append(line)  # the seq is parsed only for a run's first and last row
                    rows.append(line)
        close_run()
        seq_of = _csv_seq if self.format == "csv" else _line_seq
        return [segment if isinstance(segment, int) else
                (seq_of(segment[0]), seq_of(segment[1]), segment[2],
                 segment[3] if self.format == "csv" else _unescaped(segment[3])) for segment in segments]

    def _csv_rows(self, copying):
        """COPY sends one message a row, ending in LF: Python's csv ends rows in CR LF."""
        with copying as copy:
            for message in copy:
                row = bytes(message)
                if row[0] != 44:  # the flag column: not empty, so this row is written by Python
                    raise _PythonRow(int(row[2:row.index(b",", 2)]))
                self._seen(int(row[1:row.index(b",", 1)]))
                yield row[1:-1] + b"\r\n"

    def _json_rows(self, copying):
        with copying as copy:
            for message in copy:
                if message[0] == 80:  # "P<seq>": a row the Python exporter writes
                    raise _PythonRow(int(bytes(message[1:-1])))
                line = _unescaped(bytes(message))
                self._seen(_line_seq(line))
                yield line

    def _python_line(self, seq: int) -> bytes:
        self._seen(seq)
        data = b"".join(Export(self._queryset.filter(seq=seq), self.format))
        return data.split(b"\r\n", 1)[1] if self.format == "csv" else data


def export_of(queryset, fmt: str) -> Export:
    """The export of `queryset` in `fmt`: made by PostgreSQL where it can be, else by the Python exporter."""
    if fmt in COPY_FORMATS and connections[queryset.db].vendor == "postgresql":
        return CopyExport(queryset, fmt)
    return stream_export(queryset, fmt)
