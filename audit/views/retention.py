"""The retention settings page: an organization's admins choose a preset or their own periods, with the reasons."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from ..acting import Acting
from ..policies import MAX_RETENTION_DAYS, PRESET_CHOICES, PRESETS, policy_problems
from ..selectors import latest_receipts
from ..services.retention_policy import current_policy, set_retention_policy
from .scope import refuse, refusing_other_organizations


class RetentionPolicyForm(forms.Form):
    retention_preset = forms.ChoiceField(label="Preset", choices=PRESET_CHOICES, widget=forms.RadioSelect)
    retention_days = forms.IntegerField(
        label="Audit records (days)", required=False, min_value=1, max_value=MAX_RETENTION_DAYS,
        help_text="Empty: the preset's period. Never less than 365, nor less than a regulated preset's period.")
    activity_retention_days = forms.IntegerField(label="Activity timelines (days)", min_value=1,
                                                 max_value=MAX_RETENTION_DAYS)
    system_log_retention_days = forms.IntegerField(label="System logs (days)", min_value=1,
                                                   max_value=MAX_RETENTION_DAYS)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("retention_days") is None:
            data["retention_days"] = PRESETS[data["retention_preset"]].audit_days
        problems = policy_problems(preset=data["retention_preset"], audit_days=data["retention_days"],
                                   activity_days=data["activity_retention_days"],
                                   system_log_days=data["system_log_retention_days"])
        for field, message in problems.items():
            self.add_error(field, message)
        return data


def _page(request, organization, form, status=200):
    return render(request, "audit/retention/policy.html", {
        "organization": organization, "form": form,
        "preset_rows": list(zip(form["retention_preset"], PRESETS.values(), strict=True)),
        "receipts": latest_receipts(organization)[:5]}, status=status)


@login_required
@refusing_other_organizations
def retention_policy(request):
    membership = getattr(request, "membership", None)
    if not (membership and membership.is_admin):
        return refuse(request, reason="only admins of the organization set the retention policy")
    organization = membership.organization
    if request.method != "POST":
        return _page(request, organization, RetentionPolicyForm(initial=current_policy(organization)))
    form = RetentionPolicyForm(request.POST)
    if not form.is_valid():
        return _page(request, organization, form, status=400)
    try:
        changes = set_retention_policy(organization=organization, acting=Acting.for_user(request.user, request),
                                       **form.cleaned_data)
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return _page(request, organization, form, status=400)
    messages.success(request, "Retention policy saved." if changes else "Nothing changed.")
    return redirect("settings:retention")
