"""Filters over an organization's system log entries: kind, severity and a time range."""
from datetime import UTC

import django_filters
from django import forms

from .models import Severity, SystemLogEntry

KIND_HELP = "An exact kind (webhook.failed) or a prefix ending in .* (webhook.*)."


def _in_utc(value):
    # PostgreSQL refuses offsets beyond ±15:59, which RFC 3339 syntax allows; the instant is what matters.
    if value is None:
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise forms.ValidationError("Out of the supported range of dates.") from None


class SystemLogFilterForm(forms.Form):
    def clean_since(self):
        return _in_utc(self.cleaned_data.get("since"))

    def clean_until(self):
        return _in_utc(self.cleaned_data.get("until"))

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since >= until:
            self.add_error("until", "Must be later than since.")
        return cleaned


class SystemLogFilter(django_filters.FilterSet):
    kind = django_filters.CharFilter(method="filter_kind", max_length=66, help_text=KIND_HELP)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    since = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte",
                                             help_text="RFC 3339; entries at or after it.")
    until = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt",
                                             help_text="RFC 3339; entries before it.")

    class Meta:
        model = SystemLogEntry
        fields = []
        form = SystemLogFilterForm

    def filter_kind(self, queryset, name, value):
        if value.endswith(".*"):
            return queryset.filter(kind__startswith=value[:-1])
        return queryset.filter(kind=value)
