"""Retention policies: presets with their reasons and floors, a ceiling, and every change recorded."""
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.acting import Acting
from audit.models import AuditEvent, Organization
from audit.policies import MAX_RETENTION_DAYS, PRESETS, policy_problems
from audit.services.retention_policy import set_retention_policy

pytestmark = pytest.mark.django_db


def policy(**overrides):
    values = {"preset": "custom", "audit_days": 400, "activity_days": 90, "system_log_days": 30}
    values.update(overrides)
    return policy_problems(**values)


def test_the_presets_carry_their_periods_and_reasons():
    assert PRESETS["soc2"].audit_days == 365
    assert PRESETS["pci_dss"].audit_days == 365 and PRESETS["pci_dss"].immediately_available_days == 90
    assert PRESETS["hipaa"].audit_days >= 6 * 365
    assert PRESETS["financial"].audit_days >= 7 * 365
    assert all(preset.reason for preset in PRESETS.values())


def test_audit_records_are_kept_at_least_a_year_whatever_the_preset():
    assert "retention_days" in policy(audit_days=364)
    assert policy(audit_days=365) == {}


def test_a_regulated_preset_is_a_floor():
    assert "HIPAA" in policy(preset="hipaa", audit_days=1000)["retention_days"]
    assert policy(preset="hipaa", audit_days=PRESETS["hipaa"].audit_days) == {}
    assert "retention_days" in policy(preset="financial", audit_days=PRESETS["hipaa"].audit_days)


def test_periods_are_bounded_above():
    assert "retention_days" in policy(audit_days=MAX_RETENTION_DAYS + 1)
    assert "activity_retention_days" in policy(activity_days=401)
    assert "system_log_retention_days" in policy(system_log_days=0)
    assert "retention_preset" in policy(preset="gdpr-forever")


def test_a_change_is_recorded_with_before_and_after(org, org_admin):
    changes = set_retention_policy(organization=org, acting=Acting.for_user(org_admin), retention_preset="hipaa",
                                   retention_days=PRESETS["hipaa"].audit_days)
    event = AuditEvent.objects.filter(organization=org, action="settings.changed").latest("seq")
    assert event.changes == changes
    assert event.changes["retention_days"] == {"before": 365, "after": PRESETS["hipaa"].audit_days}
    assert event.changes["retention_preset"] == {"before": "soc2", "after": "hipaa"}
    assert event.actor.external_id == f"user:{org_admin.pk}"


def test_an_invalid_policy_changes_nothing(org, org_admin):
    before = AuditEvent.objects.filter(organization=org).count()
    with pytest.raises(ValidationError) as error:
        set_retention_policy(organization=org, acting=Acting.for_user(org_admin), retention_preset="hipaa",
                             retention_days=400)
    assert "retention_days" in error.value.message_dict
    org.refresh_from_db()
    assert (org.retention_preset, org.retention_days) == ("soc2", 365)
    assert AuditEvent.objects.filter(organization=org).count() == before


def test_the_database_refuses_a_period_under_a_year(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.filter(pk=org.pk).update(retention_days=30)


def test_the_admin_keeps_the_same_floors(client, org_admin, org):
    client.force_login(org_admin)
    form = {"name": org.name, "retention_preset": "hipaa", "retention_days": 400, "activity_retention_days": 90,
            "system_log_retention_days": 30, "lockout_threshold": "", "lockout_window_minutes": "",
            "lockout_duration_minutes": ""}
    response = client.post(f"/admin/audit/organization/{org.pk}/change/", form)
    assert response.status_code == 200 and "under HIPAA" in response.content.decode()
    org.refresh_from_db()
    assert org.retention_preset == "soc2"
    form["retention_days"] = PRESETS["hipaa"].audit_days
    assert client.post(f"/admin/audit/organization/{org.pk}/change/", form).status_code == 302
    org.refresh_from_db()
    assert (org.retention_preset, org.retention_days) == ("hipaa", PRESETS["hipaa"].audit_days)
