"""How runs and activity are filtered: one definition for the pages and the API."""
from datetime import timedelta

import django_filters
from django.utils import timezone

from audit.filtersets import FilterSet
from audit.models import Actor, AuditEvent
from audit.periods import PeriodFilterSet, PeriodForm

from .models import Participant, Run

STATUSES = [("active", "Active"), ("completed", "Completed"), ("cancelled", "Cancelled")]
# Kinds of activity a person filters by: an action family each.
KINDS = [("run", "Runs started and finished"), ("task", "Tasks"), ("form", "Form fields"),
         ("document", "Documents"), ("automation", "Automations"), ("blueprint", "Blueprint edits and publishes")]
PERIODS = {"today": None, "7d": timedelta(days=7), "30d": timedelta(days=30)}
PERIOD_CHOICES = [("today", "Today"), ("7d", "Last 7 days"), ("30d", "Last 30 days")]


def period_start(period: str):
    if period == "today":
        return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return timezone.now() - PERIODS[period]


class RunFilter(PeriodFilterSet):
    status = django_filters.ChoiceFilter(choices=STATUSES, help_text="active, completed or cancelled.")
    blueprint = django_filters.CharFilter(field_name="blueprint_id", max_length=200, help_text="The blueprint's id.")
    participant = django_filters.CharFilter(method="filter_participant", max_length=200,
                                            help_text="An actor id: runs this actor took part in.")
    since = django_filters.IsoDateTimeFilter(field_name="last_activity_at", lookup_expr="gte",
                                             help_text="RFC 3339: runs with activity at or after it.")
    until = django_filters.IsoDateTimeFilter(field_name="first_activity_at", lookup_expr="lt",
                                             help_text="RFC 3339: runs with activity before it.")

    class Meta:
        model = Run
        fields = []
        form = PeriodForm

    def __init__(self, data=None, queryset=None, *, organization, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        self.organization = organization

    def filter_participant(self, queryset, name, value):
        taking_part = Participant.objects.filter(organization=self.organization, actor_id=value)
        return queryset.filter(run_id__in=taking_part.values("run_id"))


class ActivityFilter(FilterSet):
    """Person (an actor id; the bot's is `bot`), kind of activity, and period of a tab or the stream."""

    person = django_filters.CharFilter(method="filter_person", max_length=200)
    kind = django_filters.ChoiceFilter(field_name="action_family", choices=KINDS)
    period = django_filters.ChoiceFilter(method="filter_period", choices=PERIOD_CHOICES)

    class Meta:
        model = AuditEvent
        fields = []

    def __init__(self, data=None, queryset=None, *, organization, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        self.organization = organization

    def filter_person(self, queryset, name, value):
        actors = Actor.objects.filter(organization=self.organization, external_id=value)
        return queryset.filter(actor_id__in=list(actors.values_list("pk", flat=True)))

    def filter_period(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=period_start(value))
