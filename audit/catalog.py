"""The event catalog: every known action, what it means, where it is kept and how it is presented.

Data, not branches: the recording function, the activity feed, the "What we record" page, retention and
the OCSF export all read this table.
"""
from dataclasses import dataclass

CATEGORIES = ("authentication", "authorization", "data", "access", "configuration", "automation", "system")
DEFAULT_CATEGORY = "data"


class Store:
    AUDIT = "audit"        # the hash-chained audit trail (and, for business events, the activity feed)
    SYSLOG = "syslog"      # the system log store: technical and security operations


class Retention:
    """Retention classes; the number of days comes from the organization's policy."""

    AUDIT = "audit"            # the organization's audit retention (default 365 days)
    SYSTEM_LOG = "system_log"  # kept for the organization's system log retention (default 90 days)

    LABELS = {
        AUDIT: "the organization's audit retention",
        SYSTEM_LOG: "the organization's system log retention, and until the organization is deleted",
    }


class Summary:
    NONE = ""
    ACCESS_PATTERN = "access_pattern"   # one event per reader per hour with a count
    TRANSIENT_STATE = "transient_state"  # collapsed in the activity feed
    DRAFT_EDITS = "draft_edits"         # kept, merged into the publish event in the activity feed
    HEALTH_CHECKS = "health_checks"     # kept, aggregated into counts in the activity feed


@dataclass(frozen=True)
class ActionSpec:
    action: str
    category: str
    sentence: str
    store: str = Store.AUDIT
    retention: str = Retention.AUDIT
    summary: str = Summary.NONE
    ocsf_class: int = 6003   # API Activity, the OCSF default for reads and changes of business data
    ocsf_activity: int = 99  # Other: the OCSF classes used here define no activity 0

    @property
    def family(self) -> str:
        return self.action.split(".", 1)[0]


# OCSF 1.x class ids used in the mapping.
OCSF_ACCOUNT_CHANGE = 3001
OCSF_AUTHENTICATION = 3002
OCSF_USER_ACCESS = 3005
OCSF_EVENT_LOG = 1008
OCSF_SCHEDULED_JOB = 1006
OCSF_API_ACTIVITY = 6003

_A = ActionSpec
_CATALOG = [
    # Authentication
    _A("auth.login", "authentication", "{actor} signed in", ocsf_class=OCSF_AUTHENTICATION, ocsf_activity=1),
    _A("auth.logout", "authentication", "{actor} signed out", ocsf_class=OCSF_AUTHENTICATION, ocsf_activity=2),
    _A("auth.login_failed", "authentication", "A sign-in as {actor} failed",
       ocsf_class=OCSF_AUTHENTICATION, ocsf_activity=1),
    _A("auth.locked_out", "authentication", "{actor}'s account was locked after repeated failed sign-ins",
       ocsf_class=OCSF_ACCOUNT_CHANGE, ocsf_activity=9),
    _A("auth.unlocked", "authentication", "{actor} unlocked {target}", ocsf_class=OCSF_ACCOUNT_CHANGE,
       ocsf_activity=12),
    _A("auth.password_changed", "authentication", "{actor} changed their password",
       ocsf_class=OCSF_ACCOUNT_CHANGE, ocsf_activity=3),
    _A("auth.password_reset_requested", "authentication", "A password reset was requested for {actor}",
       ocsf_class=OCSF_ACCOUNT_CHANGE, ocsf_activity=99),
    _A("auth.password_reset_completed", "authentication", "{actor} reset their password",
       ocsf_class=OCSF_ACCOUNT_CHANGE, ocsf_activity=4),
    # Authorization
    _A("member.added", "authorization", "{actor} added {target} to the organization",
       ocsf_class=OCSF_USER_ACCESS, ocsf_activity=1),
    _A("member.removed", "authorization", "{actor} removed {target} from the organization",
       ocsf_class=OCSF_USER_ACCESS, ocsf_activity=2),
    _A("member.role_changed", "authorization", "{actor} changed the role of {target}",
       ocsf_class=OCSF_USER_ACCESS, ocsf_activity=1),
    _A("authz.denied", "authorization", "{actor} was refused access to {target}",
       ocsf_class=OCSF_API_ACTIVITY, ocsf_activity=2),
    _A("api_key.created", "authorization", "{actor} created API key {target}",
       ocsf_class=OCSF_ACCOUNT_CHANGE, ocsf_activity=1),
    _A("api_key.revoked", "authorization", "{actor} revoked API key {target}",
       ocsf_class=OCSF_ACCOUNT_CHANGE, ocsf_activity=6),
    # Configuration
    _A("organization.created", "configuration", "{actor} created the organization", ocsf_activity=1),
    _A("organization.deleted", "configuration", "{actor} deleted the organization", ocsf_activity=4),
    _A("settings.changed", "configuration", "{actor} changed settings of {target}", ocsf_activity=3),
    _A("webhook.created", "configuration", "{actor} added webhook {target}", ocsf_activity=1),
    _A("webhook.updated", "configuration", "{actor} changed webhook {target}", ocsf_activity=3),
    _A("webhook.deleted", "configuration", "{actor} deleted webhook {target}", ocsf_activity=4),
    _A("legal_hold.placed", "configuration", "{actor} placed a legal hold", ocsf_activity=1),
    _A("legal_hold.released", "configuration", "{actor} released a legal hold", ocsf_activity=4),
    # Access to the trail itself
    _A("audit.viewed", "access", "{actor} viewed the audit trail", summary=Summary.ACCESS_PATTERN,
       ocsf_activity=2),
    _A("audit.exported", "access", "{actor} exported the audit trail", ocsf_class=OCSF_EVENT_LOG,
       ocsf_activity=3),
    # Housekeeping
    _A("retention.purged", "system", "{actor} deleted events past the retention period",
       ocsf_class=OCSF_EVENT_LOG, ocsf_activity=2),
    _A("erasure.completed", "system", "{actor} erased the personal data of {target}", ocsf_activity=4),
    _A("integrity.verified", "system", "{actor} verified the audit chain", ocsf_activity=2),
    _A("alert.acknowledged", "system", "{actor} acknowledged alert {target}", ocsf_activity=3),
    # Workflow data
    _A("run.launched", "data", "{actor} launched {run}", ocsf_activity=1),
    _A("run.completed", "data", "{actor} completed {run}", ocsf_activity=3),
    _A("run.archived", "data", "{actor} archived {run}", ocsf_activity=3),
    _A("run.started", "data", "{actor} started {run}", ocsf_activity=1),
    _A("run.cancelled", "data", "{actor} cancelled {run}", ocsf_activity=3),
    _A("task.status_changed", "data", "{actor} moved {task} from {status_before} to {status_after}",
       summary=Summary.TRANSIENT_STATE, ocsf_activity=3),
    _A("task.assigned", "data", "{actor} assigned {task}{to_assignee}", ocsf_activity=3),
    _A("task.started", "data", "{actor} started {task}", summary=Summary.TRANSIENT_STATE, ocsf_activity=3),
    _A("task.completed", "data", "{actor} completed {task}", ocsf_activity=3),
    _A("task.reopened", "data", "{actor} reopened {task}", ocsf_activity=3),
    _A("task.commented", "data", "{actor} commented on {task}", ocsf_activity=1),
    _A("task.viewed", "access", "{actor} viewed {task}", summary=Summary.ACCESS_PATTERN, ocsf_activity=2),
    _A("form.field_updated", "data", "{actor} updated a field on {task}", ocsf_activity=3),
    _A("document.uploaded", "data", "{actor} uploaded {target}", ocsf_activity=1),
    _A("document.downloaded", "access", "{actor} downloaded {target}", ocsf_activity=2),
    _A("blueprint.created", "data", "{actor} created {blueprint}", ocsf_activity=1),
    _A("blueprint.draft_edited", "data", "{actor} edited the draft of {blueprint}",
       summary=Summary.DRAFT_EDITS, ocsf_activity=3),
    _A("blueprint.published", "data", "{actor} published {blueprint}", ocsf_activity=3),
    # Automation
    _A("automation.executed", "automation", "{actor} ran automation {automation}",
       ocsf_class=OCSF_SCHEDULED_JOB, ocsf_activity=6),
    _A("automation.failed", "automation", "{actor} could not run automation {automation}",
       ocsf_class=OCSF_SCHEDULED_JOB, ocsf_activity=6),
    _A("health.checked", "system", "{actor} checked {target}", summary=Summary.HEALTH_CHECKS, ocsf_activity=99),
    # System log kinds (kept in the system log store, never in the chain)
    _A("webhook.failed", "system", "A webhook delivery failed", store=Store.SYSLOG,
       retention=Retention.SYSTEM_LOG),
    _A("webhook.abandoned", "system", "A webhook delivery was abandoned after its retries", store=Store.SYSLOG,
       retention=Retention.SYSTEM_LOG),
    _A("email.failed", "system", "The email provider refused or failed a message", store=Store.SYSLOG,
       retention=Retention.SYSTEM_LOG),
    _A("smtp.failed", "system", "An external SMTP server refused or could not be reached",
       store=Store.SYSLOG, retention=Retention.SYSTEM_LOG),
    _A("password_reset.requested", "authentication", "A password reset was requested", store=Store.SYSLOG,
       retention=Retention.SYSTEM_LOG),
    _A("password_reset.completed", "authentication", "A password reset was completed", store=Store.SYSLOG,
       retention=Retention.SYSTEM_LOG),
    _A("role.switched_to_admin", "authorization", "A member switched to the admin role", store=Store.SYSLOG,
       retention=Retention.SYSTEM_LOG),    # Signed checkpoints (h6)
    _A("checkpoint.key_rotated", "configuration", "{actor} rotated the checkpoint signing key", ocsf_activity=3),
    _A("checkpoint.signed", "system", "A checkpoint of the trail was signed", store=Store.SYSLOG,
       retention=Retention.SYSTEM_LOG),
    _A("app.fault", "system", "An unhandled error in a request or a background task (with its correlation id)",
       store=Store.SYSLOG, retention=Retention.SYSTEM_LOG),
    _A("webhook.resent", "configuration", "{actor} re-sent an abandoned webhook delivery {target}",
       ocsf_activity=3),
]
CATALOG: dict[str, ActionSpec] = {spec.action: spec for spec in _CATALOG}

# Families whose category is known even for actions the catalog does not list.
FAMILY_CATEGORIES = {
    "auth": "authentication", "member": "authorization", "authz": "authorization", "api_key": "authorization",
    "settings": "configuration", "webhook": "configuration", "audit": "access", "automation": "automation",
    "retention": "system", "erasure": "system",
}

# Skipped entirely: interactions without business meaning (the field report's "skip" list).
SKIPPED_FAMILIES = {
    "ui": "UI interactions without business meaning are not recorded",
    "cache": "cache operations are not recorded",
    "calc": "temporary calculation states are not recorded",
    "internal": "internal system coordination is not recorded",
}


def spec_for(action: str) -> ActionSpec:
    """The catalog entry, or a default one for a well-formed action the catalog does not list."""
    spec = CATALOG.get(action)
    if spec is not None:
        return spec
    family = action.split(".", 1)[0]
    return ActionSpec(action, FAMILY_CATEGORIES.get(family, DEFAULT_CATEGORY), "{actor} did " + action)


def audit_actions() -> list[ActionSpec]:
    return [spec for spec in _CATALOG if spec.store == Store.AUDIT]


# Reserved (contract §4): only the application records these families and actions, and only it acts under
# these actor ids (its members `user:<pk>`, its keys `api_key:<prefix>`, its commands and jobs
# `system:<component>`, and the organization's bot). Ingest refuses them; the recording function's own callers
# (record_action) use them.
RESERVED_FAMILIES = frozenset({"audit", "retention", "legal_hold", "erasure", "api_key", "member", "integrity",
                               "checkpoint", "alert"})
RESERVED_ACTIONS = frozenset({"settings.changed", "authz.denied"})
RESERVED_ACTOR_NAMESPACES = ("user:", "api_key:", "system:")
RESERVED_ACTOR_IDS = frozenset({"bot"})


def is_reserved_action(action: str) -> bool:
    return action in RESERVED_ACTIONS or action.split(".", 1)[0] in RESERVED_FAMILIES


def is_reserved_actor_id(actor_id: str) -> bool:
    folded = actor_id.strip().lower()
    return folded in RESERVED_ACTOR_IDS or folded.startswith(RESERVED_ACTOR_NAMESPACES)
