"""Filters over an organization's system log entries: kind, severity and a time range."""
import django_filters

from audit.periods import PeriodFilterSet, PeriodForm

from .models import Severity, SystemLogEntry

KIND_HELP = "An exact kind (webhook.failed) or a prefix ending in .* (webhook.*)."


class SystemLogFilter(PeriodFilterSet):
    kind = django_filters.CharFilter(method="filter_kind", max_length=66, help_text=KIND_HELP)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)

    class Meta:
        model = SystemLogEntry
        fields = []
        form = PeriodForm

    def filter_kind(self, queryset, name, value):
        if value.endswith(".*"):
            return queryset.filter(kind__startswith=value[:-1])
        return queryset.filter(kind=value)
