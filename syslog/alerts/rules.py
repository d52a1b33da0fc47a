"""The catalog of alert rules: what each watches, its defaults and bounds, and an organization's own values.

Data, not branches: the rules page, the evaluation, the README's table and the tests read this one list.
Triggers: `count` fires when `threshold` occurrences fall within `window_minutes`; `value` fires when one
occurrence's value (rows exported) reaches `threshold`; `each` fires on every occurrence. Whatever the
trigger, repeats within the window are folded into the open alert's count instead of raising a new one.
Events that occurred before the window (backfills, imported history) are not counted.
"""
import time
from dataclasses import dataclass

from django.db import DatabaseError
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ..models import AlertRuleSetting

WINDOW_RANGE = (1, 1440)  # one minute to one day


@dataclass(frozen=True)
class RuleSpec:
    key: str
    title: str
    description: str
    severity: str
    trigger: str                    # "count", "value" or "each"
    window_minutes: int
    message: str                    # with {count}, {label}, {window} and {value}
    threshold: int | None = None    # None: the rule has no threshold an organization sets
    threshold_range: tuple[int, int] | None = None
    threshold_unit: str = ""
    enabled: bool = True
    can_disable: bool = True


RULES: tuple[RuleSpec, ...] = (
    RuleSpec("failed_signins.account", "Failed sign-ins on one account",
             "A burst of failed sign-ins on the same account (someone guessing its password).",
             "warning", "count", 15, "{count} failed sign-ins on {label}'s account within {window} minutes",
             threshold=5, threshold_range=(2, 1000), threshold_unit="failed sign-ins"),
    RuleSpec("failed_signins.source", "Failed sign-ins from one address",
             "A burst of failed sign-ins from the same source address, whatever the accounts (password spraying).",
             "warning", "count", 15, "{count} failed sign-ins from {label} within {window} minutes",
             threshold=10, threshold_range=(2, 10_000), threshold_unit="failed sign-ins"),
    RuleSpec("failed_signins.organization", "Failed sign-ins across the organization",
             "Failed sign-ins across the whole organization (a distributed attack).",
             "critical", "count", 15, "{count} failed sign-ins across the organization within {window} minutes",
             threshold=50, threshold_range=(5, 100_000), threshold_unit="failed sign-ins"),
    RuleSpec("lockouts", "Accounts locked out", "Accounts locked after repeated failed sign-ins.",
             "warning", "count", 60, "{count} lockout(s) within {window} minutes, the last of {label}",
             threshold=1, threshold_range=(1, 1000), threshold_unit="lockouts"),
    RuleSpec("privilege.granted", "Privileges granted",
             "Someone was made admin or compliance officer, or an API key was created with the export scope.",
             "warning", "each", 60, "Privileges granted: {label}"),
    RuleSpec("export.mass", "Mass export", "One export of the trail holding at least this many rows.",
             "warning", "value", 60, "{label} exported {value:,} rows of the trail",
             threshold=10_000, threshold_range=(100, 100_000_000), threshold_unit="rows"),
    RuleSpec("export.after_hours", "Export outside working hours",
             "An export of the trail outside the organization's working hours.",
             "warning", "each", 60, "{label} exported the trail outside working hours"),
    RuleSpec("webhook.abandoned", "Webhook deliveries abandoned",
             "Webhook deliveries given up after their last retry: a receiver is missing events.",
             "warning", "count", 60, "{count} webhook deliveries abandoned within {window} minutes, the last to "
                                     "{label}", threshold=1, threshold_range=(1, 10_000), threshold_unit="deliveries"),
    RuleSpec("integrity.failed", "Integrity verification failed",
             "A verification found the chain broken: events were altered, removed or inserted.",
             "critical", "each", 1440, "Integrity verification failed: {label}", can_disable=False),
    RuleSpec("store.refused_writes", "Audit store refusing writes",
             "The database refused to store audit events sent to the API.",
             "critical", "each", 15, "The audit store refused to record events sent to the API ({label})",
             can_disable=False),
    RuleSpec("clock.offset", "Clock offset",
             "This host's clock and the database server's differ by more than CLOCK_OFFSET_WARNING_MS: "
             "timestamps in the trail may be wrong.",
             "warning", "each", 60, "This server's clock is {label} off the database server's"),
)
RULES_BY_KEY = {rule.key: rule for rule in RULES}


@dataclass(frozen=True)
class RuleConfig:
    """A rule as an organization runs it: the catalog's defaults overlaid with its own values."""

    spec: RuleSpec
    enabled: bool
    threshold: int | None
    window_minutes: int

    @property
    def key(self) -> str:
        return self.spec.key


def default_config(spec: RuleSpec) -> RuleConfig:
    return RuleConfig(spec, spec.enabled, spec.threshold, spec.window_minutes)


# Per process, an organization's own settings are read at most every CONFIG_TTL seconds: evaluation runs after
# every recorded batch. A change through the rules page applies at once in the process that made it.
CONFIG_TTL = 30.0
_read: dict[int, tuple[float, list]] = {}


def forget_rule_settings(organization_id: int) -> None:
    _read.pop(organization_id, None)


def _own_settings(organization_id: int) -> list:
    read_at, own = _read.get(organization_id, (0.0, None))
    if own is None or time.monotonic() - read_at > CONFIG_TTL:
        own = list(AlertRuleSetting.objects.filter(organization_id=organization_id))
        _read[organization_id] = (time.monotonic(), own)
    return own


def rule_configs(organization_id: int) -> dict[str, RuleConfig]:
    """Every rule for the organization; the defaults if its settings cannot be read (the store may be down)."""
    configs = {spec.key: default_config(spec) for spec in RULES}
    try:
        own = _own_settings(organization_id)
    except DatabaseError:
        return configs
    for setting in own:
        spec = RULES_BY_KEY.get(setting.rule)
        if spec is not None:
            configs[spec.key] = RuleConfig(
                spec, setting.enabled or not spec.can_disable,
                spec.threshold if spec.threshold is None else setting.threshold or spec.threshold,
                setting.window_minutes)
    return configs


def bounds_problem(spec: RuleSpec, *, enabled: bool, threshold: int | None, window_minutes: int) -> str | None:
    """Why these values cannot be set for the rule, or None."""
    if not enabled and not spec.can_disable:
        return f"{spec.title} cannot be turned off."
    low, high = WINDOW_RANGE
    if not low <= window_minutes <= high:
        return f"The window must be {low} to {high} minutes."
    if spec.threshold_range is not None:
        low, high = spec.threshold_range
        if threshold is None or not low <= threshold <= high:
            return f"The threshold must be {low:,} to {high:,} {spec.threshold_unit}."
    return None


@receiver([post_save, post_delete], sender=AlertRuleSetting)
def _forget_changed_settings(sender, instance, **kwargs):
    forget_rule_settings(instance.organization_id)
