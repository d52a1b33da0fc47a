"""Each filtered request has its own filters: a method filter runs on the filter set that asked for it."""
import pytest
from django.http import QueryDict

from audit.selectors import filtered_events
from audit.services.recording import record_events
from tests.factories import event_payload

pytestmark = pytest.mark.django_db(databases=["default", "syslog"])


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
