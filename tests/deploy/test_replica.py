"""A primary and its streaming replica, as the deployment section describes: exports, the actor directory and
verification read the replica (they trail it while its replay is paused) while ingest writes the primary."""
import subprocess
import sys

import orjson
import pytest
import requests

from tests.factories import event_payload
from tests.pgcluster import BIN, PrimaryWithReplica
from tests.servers import ROOT, production_env, production_server

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]


def manage(env, *args) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def clusters():
    if not (BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL's server tools are not at {BIN} (apt-get install postgresql-15)")
    with PrimaryWithReplica() as pair:
        for name in ("trailproof", "trailproof_syslog"):
            pair.primary.execute(f"CREATE DATABASE {name}")
        yield pair


@pytest.fixture
def deployment(clusters, tmp_path):
    env = production_env(tmp_path / "static", DATABASE_URL=clusters.primary.url("trailproof"),
                         SYSLOG_DATABASE_URL=clusters.primary.url("trailproof_syslog"),
                         DATABASE_REPLICA_URL=clusters.replica.url("trailproof"))
    manage(env, "migrate", "-v0")
    manage(env, "migrate", "--database", "syslog", "-v0")
    manage(env, "create_org", "acme", "--name", "Acme Corp")
    key = manage(env, "create_api_key", "acme", "--scopes", "events:write,events:read,export").splitlines()[-1]
    with production_server(env, tmp_path / "gunicorn.log") as url:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {key}"
        yield env, url, session


def last_seq(cluster) -> int:
    return cluster.execute("SELECT max(seq) FROM audit_auditevent e JOIN audit_organization o "
                           "ON o.id = e.organization_id WHERE o.slug = 'acme'", database="trailproof")[0][0]


def exported_seqs(url, session) -> list[int]:
    response = session.get(f"{url}/api/v1/export", params={"format": "jsonl"}, timeout=60)
    assert response.status_code == 200, response.text
    return [orjson.loads(line)["seq"] for line in response.content.splitlines()]


def test_lag_tolerant_reads_come_from_the_replica_and_writes_go_to_the_primary(clusters, deployment):
    env, url, session = deployment
    early = [event_payload(actor={"kind": "user", "id": f"u-{n}", "name": f"Early {n}"}) for n in range(5)]
    assert session.post(f"{url}/api/v1/events", json={"events": early}, timeout=60).status_code == 201
    clusters.wait_for_replay()
    clusters.replica.execute("SELECT pg_wal_replay_pause()")
    replayed = last_seq(clusters.replica)

    late = [event_payload(actor={"kind": "user", "id": "u-late", "name": "Late Larry"}) for _ in range(4)]
    assert session.post(f"{url}/api/v1/events", json={"events": late}, timeout=60).status_code == 201
    assert last_seq(clusters.primary) == replayed + 4  # ingest wrote the primary
    assert last_seq(clusters.replica) == replayed      # which the paused replica has not replayed

    assert exported_seqs(url, session) == list(range(1, replayed + 1))
    actors = session.get(f"{url}/api/v1/actors", timeout=30).json()
    names = {actor["name"] for actor in actors["results"]}
    assert "Early 0" in names and "Late Larry" not in names
    assert manage(env, "verify_audit", "--org", "acme").strip() == f"acme: ok, {replayed} events verified"
    # The export and the verification were recorded (writes) on the primary while the replica stood still.
    actions = clusters.primary.execute("SELECT action FROM audit_auditevent WHERE seq > %s ORDER BY seq",
                                       database="trailproof", params=[replayed])
    assert [a for (a,) in actions].count("audit.exported") == 1
    assert clusters.primary.execute("SELECT verified_through_seq FROM audit_integritycheck",
                                    database="trailproof") == [(replayed,)]

    clusters.replica.execute("SELECT pg_wal_replay_resume()")
    clusters.wait_for_replay()
    caught_up = last_seq(clusters.primary)
    assert exported_seqs(url, session) == list(range(1, caught_up + 1))
    clusters.wait_for_replay()  # the second export's own audit.exported event
    assert manage(env, "verify_audit", "--org", "acme").strip() == f"acme: ok, {caught_up + 1} events verified"
