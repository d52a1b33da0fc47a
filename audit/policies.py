"""Retention presets and the rules every organization's retention policy must keep (floors and ceiling)."""
from dataclasses import dataclass

MIN_AUDIT_DAYS = 365        # never less than a year of audit records, whatever the preset
MAX_RETENTION_DAYS = 3653   # ten years: beyond that, keeping personal data is hard to justify (GDPR art. 5(1)(e))


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    audit_days: int          # the period proposed, and for a regulated preset the floor
    reason: str
    immediately_available_days: int | None = None
    regulated: bool = True


PRESETS = {preset.key: preset for preset in [
    Preset("soc2", "SOC 2", 365,
           "SOC 2 Type II examines whether controls operated over a period; auditors expect a year of logs."),
    Preset("pci_dss", "PCI DSS", 365,
           "PCI DSS 4.0 requirement 10.5.1: keep audit logs at least 12 months, the last 3 months immediately "
           "available for analysis (every record Trailproof keeps is online, so all of it is).",
           immediately_available_days=90),
    Preset("hipaa", "HIPAA", 6 * 365,
           "HIPAA 45 CFR 164.316(b)(2): documentation of security activities is kept 6 years."),
    Preset("financial", "Financial services", 7 * 365,
           "SEC rule 17a-4, FINRA and SOX: broker-dealer and audit records are commonly kept 7 years."),
    Preset("custom", "Custom", MIN_AUDIT_DAYS,
           "Your own period, at least 1 year, for contracts or regulations not listed.", regulated=False),
]}
PRESET_CHOICES = [(preset.key, preset.label) for preset in PRESETS.values()]


def audit_floor(preset_key: str) -> int:
    """The shortest audit period allowed under a preset: its own period if regulated, else the general floor."""
    preset = PRESETS[preset_key]
    return max(MIN_AUDIT_DAYS, preset.audit_days if preset.regulated else MIN_AUDIT_DAYS)


def policy_problems(*, preset: str, audit_days: int, activity_days: int, system_log_days: int) -> dict:
    """Field name to message for every rule the policy breaks; empty when it is valid."""
    problems = {}
    if preset not in PRESETS:
        return {"retention_preset": f"Choose one of {', '.join(PRESETS)}."}
    floor = audit_floor(preset)
    if audit_days < floor:
        why = "" if floor == MIN_AUDIT_DAYS else f" under {PRESETS[preset].label}"
        problems["retention_days"] = f"Audit records must be kept at least {floor} days{why}."
    elif audit_days > MAX_RETENTION_DAYS:
        problems["retention_days"] = f"At most {MAX_RETENTION_DAYS} days (10 years)."
    if not 1 <= activity_days <= min(audit_days, MAX_RETENTION_DAYS):
        problems["activity_retention_days"] = "From 1 day to the audit period: activity is told from audit records."
    if not 1 <= system_log_days <= MAX_RETENTION_DAYS:
        problems["system_log_retention_days"] = f"From 1 to {MAX_RETENTION_DAYS} days."
    return problems
