"""A second organization sees nothing of the first through the shared, scoped selectors."""
from audit import selectors
from audit.models import AuditEvent
from audit.services.integrity import verify_chain
from audit.services.recording import record_events
from tests.factories import event_payload


def fill(org, other_org):
    acme = record_events(organization=org, events=[event_payload(actor={"id": "u-acme", "name": "Ann Acme"})
                                                   for _ in range(3)], recorded_via="tests").events
    globex = record_events(organization=other_org, events=[event_payload(actor={"id": "u-globex"})],
                           recorded_via="tests").events
    return acme, globex


def test_each_organization_has_its_own_chain_from_seq_one(org, other_org):
    fill(org, other_org)
    assert list(selectors.events_for(org).order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4]
    assert list(selectors.events_for(other_org).order_by("seq").values_list("seq", flat=True)) == [1, 2]
    assert verify_chain(org).ok and verify_chain(other_org).ok


def test_events_and_actors_of_another_organization_are_invisible(org, other_org):
    acme, _ = fill(org, other_org)
    assert not selectors.events_for(other_org).filter(pk__in=[e.pk for e in acme]).exists()
    assert selectors.event_for(other_org, acme[0].pk) is None
    assert selectors.event_for(org, acme[0].pk) == acme[0]

    acme_actor = acme[0].actor
    assert selectors.actor_for(other_org, acme_actor.pk) is None
    assert not selectors.actors_for(other_org, q="u-acme").exists()
    assert not selectors.actors_for(other_org, q="Ann").exists()
    assert list(selectors.actors_for(org, q="Ann")) == [acme_actor]


def test_filters_never_reach_across_organizations(org, other_org):
    fill(org, other_org)
    bound = selectors.filtered_events(other_org, {"actor": "u-acme"})
    assert bound.is_valid() and not bound.qs.exists()
    bound = selectors.filtered_events(other_org, {"run": "r-1"})
    assert bound.is_valid() and {e.organization_id for e in bound.qs} == {other_org.pk}


def test_the_same_actor_id_in_two_organizations_is_two_actors(org, other_org):
    record_events(organization=org, events=[event_payload()], recorded_via="tests")
    record_events(organization=other_org, events=[event_payload()], recorded_via="tests")
    acme_actor = selectors.actors_for(org, q="u-100").get()
    globex_actor = selectors.actors_for(other_org, q="u-100").get()
    assert acme_actor != globex_actor and acme_actor.event_count == globex_actor.event_count == 1


def test_an_outsider_investigates_only_their_own_organization(officer, outsider, org, other_org, superuser):
    assert list(selectors.organizations_visible_to(outsider)) == [other_org]
    assert list(selectors.organizations_visible_to(officer)) == [org]
    assert selectors.membership_of(outsider, org) is None
    assert set(selectors.organizations_visible_to(superuser)) == {org, other_org}


def test_members_and_managers_do_not_investigate(member, manager, org):
    assert not selectors.organizations_visible_to(member).exists()
    assert not selectors.organizations_visible_to(manager).exists()
    assert AuditEvent.objects.filter(organization=org).exists()
