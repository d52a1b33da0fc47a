"""The one definition of how the trail is filtered: used by the API, the pages, the admin and exports."""
import django_filters
from django import forms
from django.db import connections
from django.db.models import Exists, OuterRef

from .catalog import CATEGORIES
from .models import Actor, AuditEvent, EventTarget
from .models.events import ActorKind
from .periods import PeriodFilterSet, PeriodForm
from .validation import ACTION_RE

ACTION_PREFIX_HELP = "An exact action (task.completed) or a prefix ending in .* (auth.*, blueprint.draft.*)."


_ACTOR_PKS = (f"SELECT id FROM {Actor._meta.db_table} "  # noqa: S608 - the model's table; the values are parameters
              "WHERE organization_id = %s AND external_id = %s")


def actor_pks(organization, external_id: str, *, using: str) -> list[int]:
    """The pks of the organization's actors with this id (one per kind), in plain SQL: the ORM took longer to
    build this one-line query than the database to answer it, on every API page filtered by actor."""
    with connections[using].cursor() as cursor:
        cursor.execute(_ACTOR_PKS, [organization.pk, external_id])
        return [pk for (pk,) in cursor.fetchall()]


class EventFilterForm(PeriodForm):
    def clean_action(self):
        value = self.cleaned_data.get("action")
        if not value:
            return value
        exact = value[:-2] if value.endswith(".*") else value
        if not (ACTION_RE.fullmatch(exact) or (value.endswith(".*") and ACTION_RE.fullmatch(exact + ".x"))):
            raise forms.ValidationError(ACTION_PREFIX_HELP)
        return value


class EventFilter(PeriodFilterSet):
    actor = django_filters.CharFilter(method="filter_actor", max_length=200, help_text="The actor's id.")
    actor_kind = django_filters.ChoiceFilter(choices=ActorKind.choices)
    action = django_filters.CharFilter(method="filter_action", max_length=102, help_text=ACTION_PREFIX_HELP)
    category = django_filters.ChoiceFilter(choices=[(c, c.title()) for c in CATEGORIES])
    outcome = django_filters.ChoiceFilter(choices=[("success", "Success"), ("failure", "Failure")])
    target_type = django_filters.CharFilter(method="filter_noop", max_length=64)
    target_id = django_filters.CharFilter(method="filter_noop", max_length=200)
    run = django_filters.CharFilter(field_name="run_id", max_length=200, help_text="The run's id.")
    task = django_filters.CharFilter(field_name="task_id", max_length=200, help_text="The task's id.")
    blueprint = django_filters.CharFilter(field_name="blueprint_id", max_length=200)

    class Meta:
        model = AuditEvent
        fields = []
        form = EventFilterForm

    def __init__(self, data=None, queryset=None, *, organization=None, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        self.organization = organization

    def filter_actor(self, queryset, name, value):
        # Naming the actor rows (rather than joining on the id) lets PostgreSQL walk the (actor, occurred_at,
        # seq) index for a first page, instead of scanning the organization's timeline for a rare actor.
        if self.organization is not None:
            return queryset.filter(actor_id__in=actor_pks(self.organization, value, using=queryset.db))
        return queryset.filter(actor_id__in=list(Actor.objects.filter(external_id=value).values_list("pk", flat=True)))

    def filter_action(self, queryset, name, value):
        if value.endswith(".*"):
            prefix = value[:-2]
            family = prefix.split(".", 1)[0]
            queryset = queryset.filter(action_family=family)
            return queryset.filter(action__startswith=prefix + ".") if "." in prefix else queryset
        return queryset.filter(action=value)

    def filter_noop(self, queryset, name, value):
        return queryset  # applied together in filter_queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        target_type = self.form.cleaned_data.get("target_type")
        target_id = self.form.cleaned_data.get("target_id")
        if target_type or target_id:
            rows = EventTarget.objects.filter(event=OuterRef("pk"))
            if target_type:
                rows = rows.filter(target_type=target_type)
            if target_id:
                rows = rows.filter(target_id=target_id)
            queryset = queryset.filter(Exists(rows))
        return queryset

    def applied(self) -> dict:
        """The filters in use, as plain strings: what is recorded with a view or an export."""
        return {key: value for key, value in self.data.items() if key in self.filters and value not in ("", None)}


