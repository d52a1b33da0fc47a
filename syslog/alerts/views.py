"""The alerts pages: open alerts with their acknowledgement, the history, and the rules an admin tunes."""
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from audit.selectors import administers
from audit.views.scope import investigator_required, not_in_organization, refuse

from .rules import WINDOW_RANGE
from .selectors import alert_history, alert_of, open_alerts, rules_of, working_hours_of
from .services import AlertError, acknowledge_alert, update_rule, update_working_hours

WEEKDAYS = [(1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun")]


class RuleForm(forms.Form):
    enabled = forms.BooleanField(required=False)
    threshold = forms.IntegerField(required=False, min_value=0)
    window_minutes = forms.IntegerField(min_value=WINDOW_RANGE[0], max_value=WINDOW_RANGE[1])


class WorkingHoursForm(forms.Form):
    time_zone = forms.CharField(max_length=64)
    starts_at = forms.TimeField()
    ends_at = forms.TimeField()
    weekdays = forms.TypedMultipleChoiceField(choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple)


def _back(name, organization):
    return redirect(reverse(name) + "?" + urlencode({"org": organization.slug}))


@investigator_required
def alert_list(request):
    return _list_page(request, request.investigation.organization)


def _list_page(request, organization, status=200):
    return render(request, "syslog/alerts.html", {
        "organization": organization, "open_alerts": open_alerts(organization),
        "history": alert_history(organization), "can_tune": administers(request.user, organization.pk)},
        status=status)


@require_POST
@investigator_required
def acknowledge(request, pk):
    investigation = request.investigation
    organization = investigation.organization
    if alert_of(organization, pk) is None:
        not_in_organization(request, "alert")
    try:  # the service checks the note
        acknowledge_alert(organization=organization, alert_id=pk, user=request.user, acting=investigation.acting,
                          note=request.POST.get("note", ""))
    except AlertError as error:
        messages.error(request, str(error))
        return _list_page(request, organization, status=400)
    messages.success(request, "Alert acknowledged; your note is recorded in the audit trail.")
    return _back("alerts:list", organization)


@require_http_methods(["GET", "POST"])
@investigator_required
def rules(request):
    investigation = request.investigation
    organization = investigation.organization
    if not administers(request.user, organization.pk):
        return refuse(request, reason="only admins of the organization change its alert rules")
    status = 200
    if request.method == "POST":
        try:
            _save(request, organization, investigation.acting)
            return _back("alerts:rules", organization)
        except AlertError as error:
            messages.error(request, str(error))
            status = 400
    hours = working_hours_of(organization)
    return render(request, "syslog/alert_rules.html", {
        "organization": organization, "rules": rules_of(organization), "hours": hours, "weekdays": WEEKDAYS,
        "window_range": WINDOW_RANGE}, status=status)


def _save(request, organization, acting) -> None:
    if request.POST.get("form") == "working_hours":
        form = WorkingHoursForm(request.POST)
        if not form.is_valid():
            raise AlertError(_first_error(form))
        changes = update_working_hours(organization=organization, acting=acting, **form.cleaned_data)
    else:
        form = RuleForm(request.POST)
        if not form.is_valid():
            raise AlertError(_first_error(form))
        changes = update_rule(organization=organization, key=request.POST.get("rule", ""), acting=acting,
                              **form.cleaned_data)
    messages.success(request, "Saved; the change is recorded in the audit trail." if changes else
                     "Nothing changed.")


def _first_error(form) -> str:
    field, errors = next(iter(form.errors.items()))
    return f"{field.replace('_', ' ').capitalize()}: {errors[0]}"
