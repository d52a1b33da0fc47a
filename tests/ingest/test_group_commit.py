"""Live ingest on PostgreSQL, real processes: nothing lost, duplicated or forked, whoever chains or dies."""
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import orjson
import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from audit.events import events_chained
from audit.models import AuditEvent, ChainHead, PendingEvent
from audit.services.integrity import verify_chain
from audit.services.recording import chain_pending, record_event
from audit.services.sequencer import LEADER_LOCK, SETTLED_ROWS_KEPT, ChainBusy, _park
from audit.validation import validate_event
from tests.factories import event_payload, make_organization

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 6
ROUNDS = 12
pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True, databases=["default", "syslog"])]


def _url(alias) -> str:
    s = connections[alias].settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def start_writer(number, slugs, rounds, *extra) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "auditproject.settings_test", "DATABASE_URL": _url("default"),
           "SYSLOG_DATABASE_URL": _url("syslog")}
    return subprocess.Popen([sys.executable, "-m", "tests.ingest.live_writer", str(number), ",".join(slugs),
                             str(rounds), *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


@pytest.fixture
def chained_log(db):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE ingest_chained_log (event_pk bigint, organization_id bigint)")
    yield lambda: Counter(pk for (pk,) in _rows("SELECT event_pk FROM ingest_chained_log"))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE ingest_chained_log")


def _rows(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def answers_of(output: str) -> list[tuple[str, int, list[dict]]]:
    return [(slug, int(created), orjson.loads(rest)) for slug, created, rest in
            (line.split(" ", 2) for line in output.splitlines() if line.strip() and line != "chaining")]


def assert_answers_match_storage(answers) -> None:
    stored = {e.pk: e for e in AuditEvent.objects.filter(pk__in=[a["pk"] for _, _, events in answers for a in events])}
    for _, _, events in answers:
        for answer in events:
            event = stored[answer["pk"]]
            assert (event.seq, event.hash, event.prev_hash, event.event_id) == (
                answer["seq"], answer["hash"], answer["prev_hash"], answer["event_id"])


def assert_chain_sound(organization) -> list[AuditEvent]:
    events = list(AuditEvent.objects.filter(organization=organization).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))  # gapless, no fork (unique seq)
    assert len({e.prev_hash for e in events}) == len(events)
    report = verify_chain(organization)
    assert report.ok, report.problem
    assert ChainHead.objects.get(organization=organization).seq == len(events)
    return events


def test_many_writer_processes_into_a_few_organizations_store_every_event_exactly_once(chained_log):
    organizations = [make_organization(slug, slug.title()) for slug in ("acme", "globex", "initech")]
    slugs = [o.slug for o in organizations]
    writers = [start_writer(n, slugs[n % 3:] + slugs[:n % 3], ROUNDS) for n in range(WRITERS)]
    outputs = []
    for process in writers:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        outputs.append(out)
    answers = [a for out in outputs for a in answers_of(out)]

    assert len(answers) == WRITERS * ROUNDS
    assert_answers_match_storage(answers)
    written = [e for o in organizations for e in assert_chain_sound(o) if e.recorded_via.startswith("writer:")]
    own = WRITERS * (ROUNDS // 3) * (1 + 3)
    shared = {(slug, a["event_id"]) for slug, _, events in answers for a in events
              if a["event_id"].startswith("shared")}
    assert len(written) == own + len(shared)  # every shared event_id stored once per organization
    assert len({(e.organization_id, e.event_id) for e in written}) == len(written)
    for slug, event_id in shared:  # exactly one of the racing requests created it; the others got it back
        creators = [c for s, c, events in answers if s == slug and events[0]["event_id"] == event_id and c == 1]
        assert len(creators) == 1, (slug, event_id)
    assert chained_log() == Counter({e.pk: 1 for e in written})  # events_chained saw each event once
    assert not PendingEvent.objects.exists()


def _hold_head(organization, held: threading.Event, release: threading.Event, as_leader=False):
    """Hold the chain head until `release`; `as_leader`: with the leader lock too, as a chaining leader does."""
    try:
        with transaction.atomic():
            ChainHead.objects.select_for_update().get(organization=organization)
            if as_leader:
                _rows(f"SELECT pg_advisory_xact_lock({LEADER_LOCK}, %s)::text", [organization.pk])
            held.set()
            release.wait(timeout=120)
    finally:
        connection.close()


def _wait_until(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _waiting_on_locks() -> int:
    return _rows("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                 "AND wait_event_type = 'Lock'")[0][0]


def _waits() -> Counter:
    return Counter(_rows("SELECT wait_event FROM pg_stat_activity WHERE datname = current_database() "
                         "AND wait_event_type = 'Lock'"))


def test_requests_parked_behind_a_leader_sleep_together_and_not_in_the_head_s_queue(chained_log):
    acme = make_organization("acme", "Acme Corp")
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_head, args=(acme, held, release, True))
    holder.start()
    try:
        assert held.wait(timeout=10)
        writers = [start_writer(n, ["acme"], 1) for n in range(4)]
        _wait_until(lambda: PendingEvent.objects.filter(organization=acme).count() == 4 and _waiting_on_locks() == 4)
        assert _waits() == Counter({("advisory",): 4})  # none queued on the head's row (tuple / transactionid)
    finally:
        release.set()
        holder.join(timeout=10)
    outputs = [writer.communicate(timeout=60) for writer in writers]
    assert all(writer.returncode == 0 for writer in writers), [err for _, err in outputs]

    events = assert_chain_sound(acme)
    assert sorted(e.event_id for e in events[1:]) == ["w0-0", "w1-0", "w2-0", "w3-0"]
    answers = [answer for out, _ in outputs for answer in answers_of(out)]
    assert [c for _, c, _ in answers] == [1, 1, 1, 1]
    assert_answers_match_storage(answers)
    assert chained_log() == Counter({e.pk: 1 for e in events[1:]})
    assert not PendingEvent.objects.exists()


def test_a_request_killed_after_parking_loses_nothing_and_its_events_are_chained_once(chained_log):
    acme = make_organization("acme", "Acme Corp")
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_head, args=(acme, held, release))
    holder.start()
    try:
        assert held.wait(timeout=10)
        victim = start_writer(7, ["acme"], 2)  # a single event, then a batch of three: both park and wait
        _wait_until(lambda: PendingEvent.objects.filter(organization=acme).count() == 1 and _waiting_on_locks())
        victim.send_signal(signal.SIGKILL)  # killed between parking and chaining
        victim.wait(timeout=10)
    finally:
        release.set()
        holder.join(timeout=10)
    assert PendingEvent.objects.filter(organization=acme, event_pk__isnull=True).count() == 1

    record_event(organization=acme, event=event_payload(event_id="after"), recorded_via="tests")  # next leader

    events = assert_chain_sound(acme)
    assert [e.event_id for e in events[1:]] == ["w7-0", "after"]
    assert chained_log() == Counter()  # the victim's receiver never ran; the test process logs nothing
    orphan = PendingEvent.objects.get(organization=acme)  # its place is noted for a collector that will not come
    assert (orphan.event_pk, orphan.fresh) == (events[1].pk, True)
    assert chain_pending() == 0
    PendingEvent.objects.update(parked_at=orphan.parked_at - SETTLED_ROWS_KEPT)
    chain_pending()
    assert not PendingEvent.objects.exists()


def test_a_leader_killed_mid_transaction_rolls_back_and_the_next_leader_chains_its_group(chained_log):
    acme = make_organization("acme", "Acme Corp")
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_head, args=(acme, held, release))
    holder.start()
    try:
        assert held.wait(timeout=10)
        leader = start_writer(1, ["acme"], 1, "--sleep-while-chaining")
        _wait_until(lambda: PendingEvent.objects.filter(organization=acme).count() == 1 and _waiting_on_locks() == 1)
        follower = start_writer(2, ["acme"], 2)
        _wait_until(lambda: PendingEvent.objects.filter(organization=acme).count() == 2 and _waiting_on_locks() == 2)
    finally:
        release.set()
        holder.join(timeout=10)
    assert leader.stdout.readline().strip() == "chaining"  # the first in the queue leads, chaining both
    leader.send_signal(signal.SIGKILL)
    leader.wait(timeout=10)
    out, err = follower.communicate(timeout=120)
    assert follower.returncode == 0, err

    events = assert_chain_sound(acme)
    assert sorted(e.event_id for e in events[1:]) == ["w1-0", "w2-0", "w2-1.0", "w2-1.1", "w2-1.2"]
    answers = answers_of(out)
    assert [c for _, c, _ in answers] == [1, 3]
    assert_answers_match_storage(answers)
    assert chained_log() == Counter({e.pk: 1 for e in events[1:]})  # the dead leader's signals rolled back
    assert not PendingEvent.objects.filter(event_pk__isnull=True).exists()


@pytest.mark.parametrize("as_leader", [False, True], ids=["head-held", "leader-sleeping"])
def test_the_sweeper_chains_what_nobody_is_waiting_for(settings, as_leader):
    acme = make_organization("acme", "Acme Corp")
    settings.INGEST_CHAIN_WAIT = 1
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_head, args=(acme, held, release, as_leader))
    holder.start()
    try:
        assert held.wait(timeout=10)
        started = time.monotonic()
        with pytest.raises(ChainBusy):
            record_event(organization=acme, event=event_payload(event_id="gave-up"), recorded_via="tests")
        assert time.monotonic() - started < 3  # one INGEST_CHAIN_WAIT in all, however many wake-ups
    finally:
        release.set()
        holder.join(timeout=10)
    assert chain_pending() == 1
    events = assert_chain_sound(acme)
    assert events[-1].event_id == "gave-up"
    record_event(organization=acme, event=event_payload(event_id="gave-up"), recorded_via="tests")  # the retry
    assert AuditEvent.objects.filter(organization=acme, event_id="gave-up").count() == 1


def test_a_pending_event_that_cannot_be_chained_does_not_stop_the_others(caplog):
    acme = make_organization("acme", "Acme Corp")
    def refuse_poison(organization, events, **kwargs):
        if any(e.event_id == "poison" for e in events):
            raise RuntimeError("a listener refuses this event")

    poison = {**validate_event(event_payload(event_id="poison"), now=timezone.now()), "recorded_via": "tests"}
    _park(acme, [poison], poison["occurred_at"])  # left by a request that died
    events_chained.connect(refuse_poison)
    try:
        stored = record_event(organization=acme, event=event_payload(event_id="fine"), recorded_via="tests")
        assert chain_pending() == 0  # the sweeper logs it and goes on
    finally:
        events_chained.disconnect(refuse_poison)
    assert stored.event_id == "fine" and assert_chain_sound(acme)[-1].pk == stored.pk
    assert PendingEvent.objects.get(organization=acme).event_pk is None
    assert "Could not chain the pending events of acme" in caplog.text
