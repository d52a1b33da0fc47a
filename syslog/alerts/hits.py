"""Which recorded audit events the alert rules watch, and what each counts. Pure functions of the rows:
they run inside the recording transaction and must cost next to nothing for every other action."""
from .evaluate import Hit

PRIVILEGED_ROLES = {"admin": "admin", "compliance_officer": "compliance officer"}


def _actor_label(row) -> str:
    actor = row.actor
    return actor.name or actor.external_id or actor.kind


def _failed_signin(row) -> list[Hit]:
    hits = [Hit("failed_signins.account", f"actor:{row.actor_id}", _actor_label(row), at=row.occurred_at),
            Hit("failed_signins.organization", "organization", _actor_label(row), at=row.occurred_at)]
    if row.source_ip:
        hits.append(Hit("failed_signins.source", f"ip:{row.source_ip}", row.source_ip, at=row.occurred_at))
    return hits


def _locked_out(row) -> list[Hit]:
    return [Hit("lockouts", "organization", _actor_label(row), at=row.occurred_at)]


def _role_granted(row) -> list[Hit]:
    after = ((row.changes or {}).get("role") or {}).get("after")
    if after not in PRIVILEGED_ROLES:
        return []
    target = (row.targets or [{}])[0]
    who = target.get("name") or target.get("id") or "someone"
    return [Hit("privilege.granted", "organization", f"{who} was made {PRIVILEGED_ROLES[after]} by "
                                                     f"{_actor_label(row)}", at=row.occurred_at)]


def _key_created(row) -> list[Hit]:
    scopes = ((row.changes or {}).get("scopes") or {}).get("after") or []
    if "export" not in scopes:
        return []
    target = (row.targets or [{}])[0]
    return [Hit("privilege.granted", "organization",
                f"API key {target.get('name') or target.get('id')} was created with the export scope by "
                f"{_actor_label(row)}", at=row.occurred_at)]


def _exported(row) -> list[Hit]:
    metadata = row.metadata or {}
    rows = metadata.get("row_count")
    if rows is None:
        rows = (metadata.get("manifest") or {}).get("row_count")
    label = _actor_label(row)
    return [Hit("export.mass", "organization", label, value=int(rows or 0), at=row.occurred_at),
            Hit("export.after_hours", "organization", label, at=row.occurred_at)]


WATCHED = {
    "auth.login_failed": _failed_signin,
    "auth.locked_out": _locked_out,
    "member.added": _role_granted,
    "member.role_changed": _role_granted,
    "api_key.created": _key_created,
    "audit.exported": _exported,
}


def hits_in(rows) -> list[Hit]:
    hits = []
    for row in rows:
        make = WATCHED.get(row.action)
        if make is not None:
            hits.extend(make(row))
    return hits
