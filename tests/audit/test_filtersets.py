"""Filter sets build their form class once (audit.filtersets) and still behave exactly as django-filter's."""
import django_filters
from django.http import QueryDict

from activity.filters import RunFilter
from audit.filters import EventFilter


def test_a_filter_set_builds_its_form_class_once_and_each_subclass_its_own():
    first = EventFilter(QueryDict("outcome=success")).form
    second = EventFilter(QueryDict("outcome=failure")).form
    assert type(first) is type(second)
    assert first.fields["outcome"] is not second.fields["outcome"]  # each request its own fields
    runs = RunFilter(QueryDict("status=active"), organization=None).form
    assert type(runs) is not type(first)
    assert set(runs.fields) == set(RunFilter.base_filters)
    assert set(first.fields) == set(EventFilter.base_filters)


def test_labels_and_errors_are_those_of_a_form_built_for_the_request():
    data = QueryDict("outcome=maybe&since=yesterday&actor_kind=robot&action=Not An Action")
    ours = EventFilter(data)
    assert not ours.is_valid()
    built_for_the_request = django_filters.FilterSet.get_form_class(ours)(data)
    assert ours.errors == built_for_the_request.errors
    assert set(ours.errors) == {"outcome", "since", "actor_kind", "action"}
    assert [field.label for field in ours.form] == [field.label for field in built_for_the_request]
