"""Who is acting, as the recording function needs it: the actor, how the event was submitted, from where."""
from dataclasses import dataclass, field

from .client_address import client_address


@dataclass(frozen=True)
class Acting:
    actor: dict
    recorded_via: str
    source: dict | None = None
    automation: dict | None = field(default=None)

    @classmethod
    def for_user(cls, user, request=None) -> "Acting":
        return cls(actor=user_actor(user), recorded_via=f"user:{user.pk}", source=source_of(request))

    @classmethod
    def for_bot(cls, *, automation_id: str, name: str, trigger: str) -> "Acting":
        """Scheduled jobs and automations act as the organization's bot, naming what ran and why."""
        return cls(actor={"kind": "bot"}, recorded_via="system:scheduler",
                   automation={"id": automation_id, "name": name, "trigger": trigger})

    @classmethod
    def for_system(cls, component: str) -> "Acting":
        """Commands and jobs act as `system:<component>`, a namespace ingest refuses (audit.catalog)."""
        return cls(actor={"kind": "system", "id": f"system:{component}"}, recorded_via=f"system:{component}")


def user_actor(user) -> dict:
    return {"kind": "user", "id": f"user:{user.pk}", "name": user.get_full_name(), "email": user.email}


def user_target(user) -> dict:
    return {"type": "user", "id": f"user:{user.pk}", "name": user.get_full_name()}


def source_of(request) -> dict | None:
    if request is None:
        return None
    # A NUL cannot be stored (PostgreSQL): shown as U+FFFD, so a client's header never breaks the record.
    agent = (request.META.get("HTTP_USER_AGENT") or "").replace("\x00", "\ufffd") or None
    return {"ip": client_address(request), "user_agent": agent}
