"""Forms of the system log pages: the log's filters, a new webhook, the organization's SMTP server."""
from datetime import timedelta

from django import forms

from audit.catalog import CATALOG, Store

from .models import OrganizationMailServer, Severity
from .targets import UnsafeTarget, check_url
from .webhooks import MAX_ACTIONS, valid_action_pattern

PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30),
           "90d": timedelta(days=90), "all": None}
PERIOD_LABELS = [("24h", "Last 24 hours"), ("7d", "Last 7 days"), ("30d", "Last 30 days"),
                 ("90d", "Last 90 days"), ("all", "Everything kept")]


def kind_choices() -> list[tuple[str, str]]:
    kinds = sorted(spec.action for spec in CATALOG.values() if spec.store == Store.SYSLOG)
    return [("", "Every kind"), ("webhook.*", "webhook.* (every webhook kind)"), *[(k, k) for k in kinds]]


class SystemLogFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, choices=kind_choices)
    severity = forms.ChoiceField(required=False, choices=[("", "Every severity"), *Severity.choices])
    period = forms.ChoiceField(required=False, choices=PERIOD_LABELS, initial="7d")


class WebhookForm(forms.Form):
    url = forms.URLField(max_length=2000, assume_scheme="https", help_text="Where Trailproof POSTs each event.")
    actions = forms.CharField(required=False, max_length=2000,
                              help_text="Comma-separated actions or prefixes like auth.*; empty sends every action.")
    description = forms.CharField(required=False, max_length=200)

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            check_url(url)
        except UnsafeTarget as refused:
            raise forms.ValidationError(str(refused)) from None
        return url

    def clean_actions(self):
        given = (item.strip() for item in self.cleaned_data["actions"].split(","))
        actions = list(dict.fromkeys(item for item in given if item))
        bad = [a for a in actions if len(a) > 102 or not valid_action_pattern(a)]
        if bad:
            raise forms.ValidationError(f"Not an action or prefix like auth.*: {bad[0][:100]}")
        if len(actions) > MAX_ACTIONS:
            raise forms.ValidationError(f"At most {MAX_ACTIONS} actions or prefixes (got {len(actions)}).")
        return actions


class MailServerForm(forms.ModelForm):
    password = forms.CharField(required=False, max_length=500, widget=forms.PasswordInput(render_value=False),
                               help_text="Leave empty to keep the stored password. It is never shown again.")

    class Meta:
        model = OrganizationMailServer
        fields = ["host", "port", "security", "username", "from_email"]

    def clean_port(self):
        port = self.cleaned_data["port"]
        if not 1 <= port <= 65535:
            raise forms.ValidationError("A port is between 1 and 65535.")
        return port

    def clean_host(self):
        host = self.cleaned_data["host"].strip()
        if not host or any(ch.isspace() or ord(ch) < 32 for ch in host):
            raise forms.ValidationError("Enter a host name or address.")
        return host

