from audit.services.integrity import verify_chain
from audit.services.recording import record_events
from tests.factories import event_payload


def test_recorded_batch_verifies(org):
    record_events(organization=org, events=[event_payload() for _ in range(5)], recorded_via="tests")
    report = verify_chain(org)
    assert report.ok, report.problem
    assert report.verified_through_seq == 6  # organization.created + 5
