"""Changing an organization's retention policy: validated against the presets' floors, recorded before/after."""
from django.core.exceptions import ValidationError

from ..acting import Acting
from ..models import Organization
from ..policies import policy_problems
from .tenancy import update_settings

POLICY_FIELDS = ("retention_preset", "retention_days", "activity_retention_days", "system_log_retention_days")


def current_policy(organization: Organization) -> dict:
    return {name: getattr(organization, name) for name in POLICY_FIELDS}


def set_retention_policy(*, organization: Organization, acting: Acting, **values) -> dict:
    """Applies the policy (missing fields keep their value); a `settings.changed` event records what changed."""
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"Not retention settings: {', '.join(sorted(unknown))}")
    policy = {**current_policy(organization), **values}
    problems = policy_problems(preset=policy["retention_preset"], audit_days=policy["retention_days"],
                               activity_days=policy["activity_retention_days"],
                               system_log_days=policy["system_log_retention_days"])
    if problems:
        raise ValidationError(problems)
    return update_settings(organization=organization, values=values, acting=acting)
