"""Filter sets build their form class once and copy their filters shallowly (audit.filtersets), and still behave
exactly as django-filter's: a method filter runs on the filter set that asked for it."""
import django_filters
import pytest
from django.http import QueryDict

from activity.filters import RunFilter
from audit.filters import EventFilter
from audit.selectors import filtered_events
from audit.services.recording import record_events
from tests.factories import event_payload


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


@pytest.mark.django_db(databases=["default", "syslog"])
def test_two_organizations_filter_sets_made_together_each_filter_their_own_actor(org, other_org):
    record_events(organization=org, events=[event_payload(actor={"kind": "user", "id": "u-1"})], recorded_via="t")
    record_events(organization=other_org, events=[event_payload(actor={"kind": "user", "id": "u-1"}),
                                                  event_payload(actor={"kind": "user", "id": "u-1"})],
                  recorded_via="t")
    ours = filtered_events(org, QueryDict("actor=u-1"))
    theirs = filtered_events(other_org, QueryDict("actor=u-1"))  # made last: the one a shared filter would use

    assert ours.is_valid() and theirs.is_valid()
    assert {event.organization_id for event in ours.qs} == {org.pk}
    assert ours.qs.count() == 1 and theirs.qs.count() == 2
    assert ours.filters["actor"] is not theirs.filters["actor"]
