"""Checks an incoming event against the contract's field rules and returns its normalized form.

Every invalid field is reported, each with its dotted path, so a caller can fix them all at once.
"""
import functools
import ipaddress
import re
from datetime import UTC, datetime, timedelta

import orjson

from .catalog import SKIPPED_FAMILIES, is_reserved_action, is_reserved_actor_id
from .periods import EARLIEST, LATEST, RANGE_MESSAGE

ACTION_RE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*){1,5}")
TYPE_RE = re.compile(r"[a-z][a-z0-9_]*")
RFC3339_RE = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
ACTOR_KINDS = ("user", "bot", "api_client", "system")
OUTCOMES = ("success", "failure")
FIELDS = frozenset({"action", "occurred_at", "actor", "automation", "outcome", "reason", "targets", "run",
                    "task", "blueprint", "changes", "source", "metadata", "event_id"})
MAX_FUTURE = timedelta(minutes=5)
MAX_METADATA_BYTES = 16 * 1024
MAX_TARGETS = 20
MAX_USER_AGENT = 1000
TRUNCATED = "[truncated]"
MAX_DEPTH = 32
SAFE_NUMBER = 2**53 - 1


class EventValidationError(Exception):
    """Raised with every problem found; each error is {"field", "message"} and, in batches, "index"."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


class _Errors(list):
    def add(self, field: str, message: str) -> None:
        self.append({"field": field, "message": message})


def _identifier(value, field, errors, *, max_length, required=False):
    """An id: text that must also be free of control characters, so it can be searched for and shown."""
    value = _text(value, field, errors, max_length=max_length, required=required)
    if value is not None and CONTROL_RE.search(value):
        errors.add(field, "Must not contain control characters.")
        return None
    return value


def _text(value, field, errors, *, max_length, required=False):
    if value is None:
        if required:
            errors.add(field, "This field is required.")
        return None
    if not isinstance(value, str):
        errors.add(field, "Must be a string.")
        return None
    if required and not value.strip():
        errors.add(field, "Must not be empty.")
        return None
    if len(value) > max_length:
        errors.add(field, f"Must be at most {max_length} characters (got {len(value)}).")
        return None
    problem = text_problem(value)
    if problem:
        errors.add(field, problem)
        return None
    return value


CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def text_problem(value: str) -> str | None:
    """Text is stored exactly, control characters included, except what PostgreSQL cannot store."""
    if "\x00" in value:
        return "Must not contain the NUL character."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Must be valid Unicode (lone surrogate found)."
    return None


def _json_value_problems(value, field, errors, depth=0):
    """JSON that stores and hashes the same everywhere: I-JSON numbers, no NUL, bounded nesting."""
    if depth > MAX_DEPTH:
        errors.add(field, f"Nested deeper than {MAX_DEPTH} levels.")
    elif isinstance(value, str):
        problem = text_problem(value)
        if problem:
            errors.add(field, problem)
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, int | float):
        if value != value or abs(value) > SAFE_NUMBER:
            errors.add(field, f"Numbers must be finite and within ±{SAFE_NUMBER}.")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or text_problem(key):
                errors.add(field, "Object keys must be valid strings.")
                continue
            _json_value_problems(item, f"{field}.{key}", errors, depth + 1)
    elif isinstance(value, list):
        for position, item in enumerate(value):
            _json_value_problems(item, f"{field}.{position}", errors, depth + 1)
    else:
        errors.add(field, "Must be a JSON value.")


def _object(value, field, errors):
    if not isinstance(value, dict):
        errors.add(field, "Must be an object.")
        return None
    return value


def _unknown_keys(value: dict, allowed, field, errors):
    for key in value:
        if key not in allowed:
            errors.add(f"{field}.{key}" if field else str(key), "Unknown field.")


def parse_timestamp(value, field, errors, *, now=None):
    """An aware UTC datetime from 1970 on: with `now` (an event) at most 5 minutes ahead, else up to 2100."""
    if isinstance(value, datetime):
        moment = value
        if moment.tzinfo is None:
            errors.add(field, "Must include a UTC offset.")
            return None
    elif isinstance(value, str) and RFC3339_RE.fullmatch(value):
        try:
            moment = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        except ValueError:
            errors.add(field, "Not a valid date and time.")
            return None
    else:
        errors.add(field, "Must be an RFC 3339 timestamp with a UTC offset, like 2026-01-31T09:30:00Z.")
        return None
    try:
        moment = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        errors.add(field, RANGE_MESSAGE)
        return None
    if moment < EARLIEST:
        errors.add(field, "Must not be before 1970-01-01T00:00:00Z.")
        return None
    if now is not None and moment > now + MAX_FUTURE:
        errors.add(field, "Is more than 5 minutes in the future.")
        return None
    if now is None and moment > LATEST:
        errors.add(field, RANGE_MESSAGE)
        return None
    return moment


def _reference(value, field, errors, extra=()):
    """A `{id, name?}` reference such as run, task, blueprint or automation."""
    if value is None:
        return None
    ref = _object(value, field, errors)
    if ref is None:
        return None
    _unknown_keys(ref, {"id", "name", *extra}, field, errors)
    clean = {
        "id": _identifier(ref.get("id"), f"{field}.id", errors, max_length=200, required=True),
        "name": _text(ref.get("name"), f"{field}.name", errors, max_length=200),
    }
    for key in extra:
        clean[key] = _text(ref.get(key), f"{field}.{key}", errors, max_length=200)
    return clean


def _blueprint(value, errors):
    """A blueprint reference, which may also name its published `version` (a positive integer)."""
    version = value.get("version") if isinstance(value, dict) else None
    clean = _reference({k: v for k, v in value.items() if k != "version"} if isinstance(value, dict) else value,
                       "blueprint", errors)
    if clean is not None and version is not None:
        if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= 2**31 - 1:
            errors.add("blueprint.version", "Must be a positive whole number.")
        else:
            clean["version"] = version
    return clean


def _actor(value, errors):
    actor = _object(value, "actor", errors) if value is not None else None
    if actor is None:
        if value is None:
            errors.add("actor", "This field is required.")
        return None
    _unknown_keys(actor, {"kind", "id", "name", "email"}, "actor", errors)
    kind = actor.get("kind", "user")
    if kind not in ACTOR_KINDS:
        errors.add("actor.kind", f"Must be one of {', '.join(ACTOR_KINDS)}.")
        return None
    if kind == "bot":
        if actor.get("id") is not None:
            errors.add("actor.id", "Must not be given when kind is bot: it always means the organization's bot.")
        actor_id = "bot"
    else:
        actor_id = _identifier(actor.get("id"), "actor.id", errors, max_length=200, required=True)
    email = _identifier(actor.get("email"), "actor.email", errors, max_length=254)
    if email and not EMAIL_RE.fullmatch(email):
        errors.add("actor.email", "Not a valid email address.")
    return {"kind": kind, "id": actor_id, "name": _text(actor.get("name"), "actor.name", errors, max_length=200),
            "email": email}


def _targets(value, errors):
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add("targets", "Must be a list.")
        return []
    if len(value) > MAX_TARGETS:
        errors.add("targets", f"At most {MAX_TARGETS} targets (got {len(value)}).")
        return []
    targets, seen = [], set()
    for position, item in enumerate(value):
        field = f"targets.{position}"
        target = _object(item, field, errors)
        if target is None:
            continue
        _unknown_keys(target, {"type", "id", "name"}, field, errors)
        kind = _text(target.get("type"), f"{field}.type", errors, max_length=64, required=True)
        if kind is not None and not TYPE_RE.fullmatch(kind):
            errors.add(f"{field}.type", "Must be lowercase letters, digits and underscores, starting with a letter.")
        clean = {"type": kind,
                 "id": _identifier(target.get("id"), f"{field}.id", errors, max_length=200, required=True),
                 "name": _text(target.get("name"), f"{field}.name", errors, max_length=200)}
        if (clean["type"], clean["id"]) not in seen:
            seen.add((clean["type"], clean["id"]))
            targets.append(clean)
    return targets


def _changes(value, errors):
    if value is None:
        return None
    changes = _object(value, "changes", errors)
    if changes is None:
        return None
    clean = {}
    for name, change in changes.items():
        field = f"changes.{name}"
        problem = text_problem(name)
        if problem:
            errors.add("changes", f"Field names: {problem[0].lower()}{problem[1:]}")
            continue
        if len(name) > 100:
            errors.add(field, "Field names must be at most 100 characters.")
            continue
        if not isinstance(change, dict) or not set(change) <= {"before", "after"}:
            errors.add(field, 'Must be an object {"before": ..., "after": ...}.')
            continue
        _json_value_problems(change, field, errors)
        clean[name] = {"before": change.get("before"), "after": change.get("after")}
    return clean


@functools.lru_cache(maxsize=4096)
def normal_ip(text: str) -> str:
    """The address in its one written form (IPv6 compressed, lowercase); ValueError if it is none. Cached: parsing
    was a tenth of the CPU of recording a batch, and a platform's events come from a few addresses at a time."""
    return str(ipaddress.ip_address(text))


def _source(value, errors):
    if value is None:
        return None
    source = _object(value, "source", errors)
    if source is None:
        return None
    _unknown_keys(source, {"ip", "user_agent"}, "source", errors)
    ip = _text(source.get("ip"), "source.ip", errors, max_length=100)
    if ip is not None:
        try:
            ip = normal_ip(ip)
        except ValueError:
            errors.add("source.ip", "Not a valid IPv4 or IPv6 address.")
    agent = source.get("user_agent")
    if isinstance(agent, str) and len(agent) > MAX_USER_AGENT:
        agent = agent[: MAX_USER_AGENT - len(TRUNCATED)] + TRUNCATED
    agent = _text(agent, "source.user_agent", errors, max_length=MAX_USER_AGENT)
    return {"ip": ip, "user_agent": agent}


def _metadata(value, errors):
    if value is None:
        return None
    metadata = _object(value, "metadata", errors)
    if metadata is None:
        return None
    _json_value_problems(metadata, "metadata", errors)
    try:
        size = len(orjson.dumps(metadata))
    except (TypeError, orjson.JSONEncodeError):
        return None  # already reported by the value check
    if size > MAX_METADATA_BYTES:
        errors.add("metadata", f"Must be at most {MAX_METADATA_BYTES} bytes serialized (got {size}).")
    return metadata


def _refuse_reserved(action, actor, raw_actor, errors) -> None:
    """What an integration may not claim: the application's own actions and the application's own actors."""
    if action is not None and ACTION_RE.fullmatch(action) and is_reserved_action(action):
        errors.add("action", f"{action} is reserved: only Trailproof itself records it.")
    if actor is None:
        return
    if actor["kind"] != "bot" and actor["id"] is not None and is_reserved_actor_id(actor["id"]):
        errors.add("actor.id", "This actor id is reserved for Trailproof's own members, keys, commands and jobs.")
    if actor["kind"] == "bot":
        for key in ("name", "email"):
            if isinstance(raw_actor, dict) and raw_actor.get(key) is not None:
                errors.add(f"actor.{key}", "The bot's name and email are the application's; name the automation "
                                           "in automation.name.")


def validate_event(raw, *, now: datetime, from_integration: bool = False) -> dict:
    """The normalized event, or EventValidationError naming every invalid field.

    `from_integration`: the event comes from outside (the API), so the reserved actions and actor ids are refused.
    """
    errors = _Errors()
    if not isinstance(raw, dict):
        raise EventValidationError([{"field": "", "message": "Each event must be a JSON object."}])
    _unknown_keys(raw, FIELDS, "", errors)
    action = _text(raw.get("action"), "action", errors, max_length=100, required=True)
    if action is not None:
        if not ACTION_RE.fullmatch(action):
            errors.add("action", "Must be a lowercase dotted name of 2 to 6 segments, like task.completed.")
        elif action.split(".", 1)[0] in SKIPPED_FAMILIES:
            why = SKIPPED_FAMILIES[action.split(".", 1)[0]]
            errors.add("action", why[:1].upper() + why[1:] + ".")  # not capitalize(): it lowercases "UI"
    occurred_at = raw.get("occurred_at")
    if occurred_at is None:
        errors.add("occurred_at", "This field is required.")
    else:
        occurred_at = parse_timestamp(occurred_at, "occurred_at", errors, now=now)
    actor = _actor(raw.get("actor"), errors)
    automation = _reference(raw.get("automation"), "automation", errors, extra=("trigger",))
    if actor and actor["kind"] == "bot" and raw.get("automation") is None:
        errors.add("automation", "Required when actor.kind is bot: say which automation acted and what triggered it.")
    outcome = raw.get("outcome", "success")
    if outcome not in OUTCOMES:
        errors.add("outcome", "Must be success or failure.")
    event = {
        "action": action,
        "occurred_at": occurred_at,
        "actor": actor,
        "automation": automation,
        "outcome": outcome,
        "reason": _text(raw.get("reason"), "reason", errors, max_length=2000) or "",
        "targets": _targets(raw.get("targets"), errors),
        "run": _reference(raw.get("run"), "run", errors),
        "task": _reference(raw.get("task"), "task", errors),
        "blueprint": _blueprint(raw.get("blueprint"), errors),
        "changes": _changes(raw.get("changes"), errors),
        "source": _source(raw.get("source"), errors),
        "metadata": _metadata(raw.get("metadata"), errors),
        "event_id": _identifier(raw.get("event_id"), "event_id", errors, max_length=100),
    }
    if event["event_id"] is not None and not event["event_id"].strip():
        errors.add("event_id", "Must not be empty.")
    if from_integration:
        _refuse_reserved(action, actor, raw.get("actor"), errors)
    if errors:
        raise EventValidationError(list(errors))
    return event
