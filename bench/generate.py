"""A realistic audit trail for benchmarks: N events from M actors in one organization, recorded for real.

Every event goes through `record_events` in batches, so the chain is valid and `verify_audit` passes.

    python -m bench.generate --events 1000000 --actors 500 --org bench-big
    generate(organization, events=100_000, actors=200)   # from another benchmark, after bench.common.setup()
"""
import argparse
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tqdm import tqdm

BATCH = 500
TEAM_SIZE = 4  # people per run; one in twenty of a run's events comes from someone else (a manager, a reviewer)
AUTOMATIONS = [("auto-reminder", "Overdue reminder", "schedule"),
               ("auto-assign", "Round-robin assignment", "run.launched"),
               ("auto-escalate", "Escalate stuck tasks", "schedule"),
               ("auto-archive", "Archive finished runs", "run.completed")]
BLUEPRINTS = ["Vendor onboarding", "Invoice approval", "Employee offboarding", "Quarterly access review",
              "Incident postmortem", "Contract renewal", "Change request", "Expense report"]
TASKS = ["Collect documents", "Review contract", "Approve invoice", "Verify identity", "Sign off", "Notify finance",
         "Revoke access", "Archive records", "Security review", "Manager approval"]
FIELDS = ["amount", "due_date", "vendor", "cost_center", "priority", "notes", "approved"]
AGENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15",
          "trailproof-sdk-python/1.4.2"]
FIRST = ["Maria", "Jon", "Aiko", "Pedro", "Fatima", "Lena", "Ravi", "Chloé", "Sven", "Zoë", "Omar", "Grace"]
LAST = ["Lopez", "Smith", "Tanaka", "Alves", "Haddad", "Novak", "Iyer", "Dubois", "Berg", "Müller", "Khan", "Ng"]

# (action, weight, who acts: user, api client or bot). Workflow events dominate, as in the product's use.
MIX = [
    ("task.viewed", 20, "user"), ("task.completed", 14, "user"), ("task.assigned", 8, "api"),
    ("task.started", 8, "user"), ("task.commented", 7, "user"), ("form.field_updated", 10, "user"),
    ("run.launched", 4, "user"), ("run.completed", 3, "bot"), ("automation.executed", 6, "bot"),
    ("automation.failed", 1, "bot"), ("document.uploaded", 3, "api"), ("document.downloaded", 3, "user"),
    ("task.reopened", 1, "user"), ("run.archived", 1, "bot"), ("auth.login", 4, "user"), ("auth.logout", 2, "user"),
    ("auth.login_failed", 1, "user"), ("audit.viewed", 1, "user"), ("blueprint.draft_edited", 1, "user"),
    ("blueprint.published", 0.3, "user"), ("settings.changed", 0.1, "user"), ("member.role_changed", 0.1, "user"),
    ("audit.exported", 0.2, "user"), ("api_key.created", 0.05, "user"),
]


@dataclass
class _Cast:
    users: list[dict]
    clients: list[dict]
    ips: list[str]
    runs: list[tuple[dict, list[int]]] = field(default_factory=list)


def _cast(rng: random.Random, actors: int) -> _Cast:
    """About 85% people, 14% API clients, and the bot (which every organization has)."""
    clients = max(1, actors * 14 // 100)
    users = max(1, actors - clients - 1)
    people = []
    for n in range(users):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        people.append({"kind": "user", "id": f"ext:u-{n:05d}", "name": f"{first} {last}",
                       "email": f"{first.lower()}.{last.lower()}.{n}@example.com".replace("é", "e")
                       .replace("ë", "e").replace("ü", "u")})
    apis = [{"kind": "api_client", "id": f"client-{n:03d}", "name": f"Integration {n}"} for n in range(clients)]
    ips = [f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(max(4, users))]
    return _Cast(people, apis, ips)


def _run(rng, number, users: int) -> tuple[dict, list[int]]:
    """A run's context, and its team: the few people its tasks are assigned to, who do nearly all its work."""
    blueprint = rng.randrange(len(BLUEPRINTS))
    return ({"run": {"id": f"run-{number}", "name": f"{BLUEPRINTS[blueprint]} #{number}"},
             "blueprint": {"id": f"bp-{blueprint}", "name": BLUEPRINTS[blueprint]}},
            rng.sample(range(users), min(users, TEAM_SIZE)))


def _payload(rng: random.Random, cast: _Cast, action: str, who: str, moment: datetime, number: int) -> dict:
    if not cast.runs or action == "run.launched" or rng.random() < 0.02:
        cast.runs.append(_run(rng, number, len(cast.users)))
        del cast.runs[:-200]  # a working set of recent runs, like a live workspace
    context, team = rng.choice(cast.runs)
    family = action.split(".", 1)[0]
    in_run = family in ("task", "form", "run", "automation", "document")
    event = {"action": action, "occurred_at": moment}
    if who == "bot":
        automation = rng.choice(AUTOMATIONS)
        event["actor"] = {"kind": "bot"}
        event["automation"] = {"id": automation[0], "name": automation[1], "trigger": automation[2]}
    else:
        person = rng.choice(team) if in_run and rng.random() < 0.95 else rng.randrange(len(cast.users))
        event["actor"] = rng.choice(cast.clients) if who == "api" else cast.users[person]
        event["source"] = {"ip": cast.ips[person % len(cast.ips)], "user_agent": rng.choice(AGENTS)}
    if in_run:
        event.update(context)
    if family in ("task", "form"):
        task = rng.randrange(len(TASKS))
        event["task"] = {"id": f"{context['run']['id']}-t{task}", "name": TASKS[task]}
        event["targets"] = [{"type": "task", "id": event["task"]["id"], "name": TASKS[task]}]
    elif family == "document":
        event["targets"] = [{"type": "document", "id": f"doc-{number}", "name": f"scan-{number}.pdf"}]
    elif family in ("member", "api_key", "settings"):
        event["targets"] = [{"type": "user" if family == "member" else family, "id": f"{family}-{number % 50}"}]
    if action == "form.field_updated":
        name = rng.choice(FIELDS)
        before, after = (round(rng.uniform(10, 5000), 2), round(rng.uniform(10, 5000), 2)) if name == "amount" \
            else (f"old {name}", f"new {name}")
        event["changes"] = {name: {"before": before, "after": after}}
    elif action == "settings.changed":
        event["changes"] = {"retention_days": {"before": 365, "after": 730}}
    elif action == "member.role_changed":
        event["changes"] = {"role": {"before": "member", "after": "manager"}}
    elif action in ("auth.login_failed", "automation.failed"):
        event["outcome"] = "failure"
        event["reason"] = "Wrong password" if family == "auth" else "Upstream service timed out"
    if action == "task.completed" or action == "automation.executed":
        event["metadata"] = {"duration_ms": rng.randrange(50, 900_000), "attempt": 1,
                             "checklist": {"done": rng.randrange(1, 9), "total": 9}}
    return event


def payloads(*, events: int, actors: int, start: datetime, end: datetime, seed: int = 2026,
             from_integration: bool = False):
    """Yield `events` event payloads in time order between `start` and `end` (deterministic for a seed).
    `from_integration`: only what the API accepts (no action reserved to Trailproof itself, contract §4)."""
    from audit.catalog import is_reserved_action

    rng = random.Random(seed)
    cast = _cast(rng, actors)
    mix = [entry for entry in MIX if not (from_integration and is_reserved_action(entry[0]))]
    actions, weights, whos = zip(*mix, strict=True)
    cumulative = list(_accumulate(weights))
    step = (end - start) / max(events, 1)
    for number in range(events):
        index = rng.choices(range(len(actions)), cum_weights=cumulative)[0]
        moment = start + step * number + timedelta(microseconds=rng.randrange(1000))
        yield _payload(rng, cast, actions[index], whos[index], moment, number)


def _accumulate(weights):
    total = 0
    for weight in weights:
        total += weight
        yield total


def generate(organization, *, events: int = 10_000, actors: int = 100, days: int = 60, batch: int = BATCH,
             seed: int = 2026, progress: bool = True, recorded_via: str = "bench:generate") -> int:
    """Record `events` realistic events into `organization`, spread over the last `days` days; returns the count."""
    from audit.services.recording import record_events
    from audit.services.statistics import refresh_statistics

    end = datetime.now(UTC) - timedelta(minutes=1)
    stream = payloads(events=events, actors=actors, start=end - timedelta(days=days), end=end, seed=seed)
    recorded = 0
    with tqdm(total=events, unit="ev", disable=not progress, desc=f"generating {organization.slug}") as bar:
        pending = []
        for event in stream:
            pending.append(event)
            if len(pending) == batch:
                recorded += record_events(organization=organization, events=pending, recorded_via=recorded_via).created
                bar.update(len(pending))
                pending = []
        if pending:
            recorded += record_events(organization=organization, events=pending, recorded_via=recorded_via).created
            bar.update(len(pending))
    refresh_statistics()  # ANALYZE what was loaded: autovacuum may be off, and plans follow statistics
    return recorded


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--actors", type=int, default=200)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--org", default="bench", help="organization slug (created if missing)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--verify", action="store_true", help="verify the chain afterwards")
    args = parser.parse_args(argv)

    from bench.common import bench_organization, rate, report, setup, timer

    setup()
    organization = bench_organization(args.org)
    with timer() as elapsed:
        count = generate(organization, events=args.events, actors=args.actors, days=args.days, seed=args.seed)
    rows = [("events recorded", f"{count:,}"), ("seconds", f"{elapsed():.1f}"),
            ("rate", f"{rate(count, elapsed()):,.0f}/s")]
    if args.verify:
        from audit.services.integrity import verify_chain

        verdict = verify_chain(organization)
        rows.append(("verify_chain", "ok" if verdict.ok else f"BROKEN: {verdict.problem}"))
    report(f"generate into {organization.slug}", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
