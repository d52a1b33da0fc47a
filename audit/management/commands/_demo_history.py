"""Six weeks of believable history for a demo organization, as events for the recording function."""
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ._demo_blueprints import BLUEPRINTS, blueprint_history

DAYS = 42
RUNS = 300
FIELDS = {"status": ["draft", "in review", "approved"], "amount_eur": [1200, 1850, 2400, 980],
          "carrier": ["DHL", "Maersk", "DB Schenker"], "risk_rating": ["low", "medium", "high"]}
AUTOMATIONS = [("auto-assign-reviewer", "Auto-assign reviewers", "the previous step completed"),
               ("auto-escalate-overdue", "Escalate overdue tasks", "schedule.daily"),
               ("auto-request-documents", "Request missing documents", "the run started"),
               ("auto-close-run", "Close finished runs", "the last task completed")]
BROWSERS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0", "Mozilla/5.0 (Macintosh) Safari/17.5",
            "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"]
API_CLIENT = {"kind": "api_client", "id": "api_key:erp-sync", "name": "ERP sync"}


@dataclass(frozen=True)
class DemoPerson:
    id: str
    name: str
    email: str
    role: str


@dataclass
class History:
    events: list[dict] = field(default_factory=list)
    final_settings: dict = field(default_factory=dict)


class _Writer:
    """Collects events; every generator below says who did what, when."""

    DAYS = DAYS

    def __init__(self, people, now: datetime, rng: random.Random):
        self.people, self.now, self.rng = people, now, rng
        self.start = now - timedelta(days=DAYS)
        self.ips = {p.id: f"203.0.113.{10 + n}" for n, p in enumerate(people)}
        self.events: list[dict] = []

    def actor(self, person: DemoPerson) -> dict:
        return {"kind": "user", "id": person.id, "name": person.name, "email": person.email}

    def add(self, action: str, when: datetime, actor: dict, **fields) -> None:
        self.events.append({"action": action, "occurred_at": min(when, self.now - timedelta(minutes=5)),
                            "actor": actor, **fields})

    def by(self, action: str, when: datetime, person: DemoPerson, **fields) -> None:
        source = {"ip": self.ips[person.id], "user_agent": BROWSERS[sum(map(ord, person.id)) % len(BROWSERS)]}
        self.add(action, when, self.actor(person), source=source, **fields)

    def bot(self, action: str, when: datetime, automation: tuple, **fields) -> None:
        automation_id, name, trigger = automation
        self.add(action, when, {"kind": "bot"}, automation={"id": automation_id, "name": name, "trigger": trigger},
                 **fields)

    def working_time(self, day: int) -> datetime:
        moment = self.start + timedelta(days=day)
        return moment.replace(hour=self.rng.randint(7, 17), minute=self.rng.randint(0, 59), second=0,
                              microsecond=0)

    def pick(self, *roles) -> DemoPerson:
        return self.rng.choice([p for p in self.people if p.role in roles])


def demo_history(people: list[DemoPerson], *, now: datetime, seed: int, busy: bool) -> History:
    """Events oldest first. `busy` is the demo organization; the second one gets a quiet week of sign-ins."""
    rng = random.Random(seed if busy else seed + 1)
    writer = _Writer(people, now, rng)
    history = History()
    _sign_ins(writer, days=DAYS if busy else 7)
    if busy:
        published = {blueprint_id: blueprint_history(writer, blueprint_id) for blueprint_id in BLUEPRINTS}
        for number in range(1, RUNS + 1):
            _run(writer, number, published)
        _api_client(writer)
        _security_story(writer)
        history.final_settings = _settings_story(writer)
        _role_story(writer)
        _trail_reads(writer)
    history.events = sorted(writer.events, key=lambda event: event["occurred_at"])
    return history


def _sign_ins(w: _Writer, *, days: int) -> None:
    for day in range(DAYS - days, DAYS):
        if (w.start + timedelta(days=day)).weekday() >= 5:
            continue
        for person in w.people:
            if w.rng.random() < 0.8:
                moment = w.working_time(day).replace(hour=8)
                w.by("auth.login", moment, person)
                if w.rng.random() < 0.4:
                    w.by("auth.logout", moment + timedelta(hours=8, minutes=w.rng.randint(0, 50)), person)
        if w.rng.random() < 0.3:
            person = w.rng.choice(w.people)
            w.by("auth.login_failed", w.working_time(day), person, outcome="failure", reason="wrong password",
                 metadata={"attempted_email": person.email, "failed_attempts": 1})


def _version_at(published, moment) -> int | None:
    versions = [number for number, at in published if at <= moment]
    return versions[-1] if versions else None


def _run(w: _Writer, number: int, published: dict) -> None:
    blueprint_id = w.rng.choice(list(BLUEPRINTS))
    blueprint_name, steps = BLUEPRINTS[blueprint_id]
    day = DAYS - 1 - min(int(w.rng.expovariate(1 / 9)), DAYS - 6)  # more runs lately, some today
    moment = w.working_time(day)
    run = {"id": f"run-{number:04d}", "name": f"{blueprint_name} #{number}"}
    blueprint = {"id": blueprint_id, "name": blueprint_name}
    version = _version_at(published[blueprint_id], moment)
    if version:
        blueprint["version"] = version
    context = {"run": run, "blueprint": blueprint}
    w.by("run.started", moment, w.pick("manager", "member"), targets=[{"type": "run", **run}], **context)
    w.bot("automation.executed", moment + timedelta(seconds=3), AUTOMATIONS[2], targets=[{"type": "run", **run}],
          **context)
    finished, trigger = 0, "the run started"
    for position, step in enumerate(steps):
        moment += timedelta(hours=w.rng.randint(1, 30))
        if moment > w.now - timedelta(hours=6):  # leave room for the task's own steps
            break
        if w.rng.random() < 0.03:
            w.by("run.cancelled", moment, w.pick("manager"), reason="The customer withdrew",
                 targets=[{"type": "run", **run}], **context)
            return
        _task(w, moment, {"id": f"{run['id']}-t{position + 1}", "name": step}, context, trigger)
        finished, trigger = finished + 1, f"{step} completed"
    if finished == len(steps):
        w.bot("run.completed", moment + timedelta(minutes=1), AUTOMATIONS[3],
              targets=[{"type": "run", **run}], **context)


def _task(w: _Writer, moment: datetime, task: dict, context: dict, trigger: str) -> None:
    worker = w.pick("member", "manager")
    target = [{"type": "task", **task}]
    fields = {"task": task, "targets": target, **context}
    w.bot("task.assigned", moment, AUTOMATIONS[0][:2] + (trigger,), task=task,
          targets=[{"type": "user", "id": worker.id, "name": worker.name}], **context)
    w.by("task.started", moment + timedelta(minutes=20), worker, **fields)
    if w.rng.random() < 0.15:  # picked up, put back, picked up again: a transient flip
        for minutes, (before, after) in ((22, ("in progress", "pending")), (26, ("pending", "in progress"))):
            w.by("task.status_changed", moment + timedelta(minutes=minutes), worker,
                 changes={"status": {"before": before, "after": after}}, **fields)
    if w.rng.random() < 0.08:  # a busy task everyone looks at
        readers = w.rng.sample([p for p in w.people if p.role != "admin"], 3)
        for n in range(w.rng.randint(6, 30)):
            w.by("task.viewed", moment + timedelta(minutes=30 + n), w.rng.choice(readers), **fields)
    if w.rng.random() < 0.5:
        name = w.rng.choice(list(FIELDS))
        before, after = w.rng.sample(FIELDS[name], 2)
        w.by("form.field_updated", moment + timedelta(minutes=35), worker,
             changes={name: {"before": before, "after": after}}, **fields)
    if w.rng.random() < 0.35:
        document = {"type": "document", "id": f"doc-{task['id']}", "name": f"{task['name']}.pdf"}
        w.by("document.uploaded", moment + timedelta(minutes=40), worker, task=task, targets=[document], **context)
        if w.rng.random() < 0.5:
            w.by("document.downloaded", moment + timedelta(hours=2), w.pick("compliance_officer", "manager"),
                 task=task, targets=[document], **context)
    if w.rng.random() < 0.3:
        w.by("task.commented", moment + timedelta(minutes=50), w.pick("manager", "member"),
             metadata={"comment_length": w.rng.randint(20, 400)}, **fields)
    if w.rng.random() < 0.08:
        w.bot("automation.failed", moment + timedelta(minutes=55), AUTOMATIONS[1], outcome="failure",
              reason="The escalation email bounced: mailbox full", **fields)
    w.by("task.completed", moment + timedelta(minutes=w.rng.randint(60, 300)), worker, **fields)


def _api_client(w: _Writer) -> None:
    for n in range(150):
        moment = w.start + timedelta(days=w.rng.uniform(3, DAYS - 0.1))
        shipment = {"type": "shipment", "id": f"SHP-{48000 + n}", "name": f"Shipment {48000 + n}"}
        failed = w.rng.random() < 0.06
        w.add("shipment.status_synced", moment, API_CLIENT, targets=[shipment],
              source={"ip": "198.51.100.40", "user_agent": "erp-sync/3.2"},
              outcome="failure" if failed else "success",
              reason="Carrier API timed out after 30 s" if failed else "",
              changes=None if failed else {"status": {"before": "in transit", "after": "delivered"}})


def _security_story(w: _Writer) -> None:
    """Someone guesses at Tom's password one night; he is locked out, and the admin unlocks him next morning."""
    tom = next(p for p in w.people if p.email.startswith("tom."))
    admin = w.pick("admin")
    night = (w.start + timedelta(days=30)).replace(hour=2, minute=11, second=0, microsecond=0)
    for attempt in range(1, 6):
        w.add("auth.login_failed", night + timedelta(seconds=40 * attempt), w.actor(tom),
              source={"ip": "185.220.101.7", "user_agent": "python-requests/2.31"}, outcome="failure",
              reason="wrong password", metadata={"attempted_email": tom.email, "failed_attempts": attempt})
    w.add("auth.locked_out", night + timedelta(seconds=201), w.actor(tom), outcome="failure",
          source={"ip": "185.220.101.7"}, reason="5 failed sign-ins within 15 minutes",
          metadata={"locked_until": (night + timedelta(minutes=33)).isoformat()})
    w.by("auth.unlocked", night.replace(hour=8, minute=40), admin,
         targets=[{"type": "user", "id": tom.id, "name": tom.name}])
    w.by("auth.password_reset_requested", night.replace(hour=8, minute=45), tom)
    w.by("auth.password_reset_completed", night.replace(hour=8, minute=52), tom)


def _settings_story(w: _Writer) -> dict:
    admin = w.pick("admin")
    organization = {"type": "organization", "id": "northwind", "name": "Northwind Logistics"}
    w.by("settings.changed", w.working_time(6), admin, targets=[organization],
         changes={"retention_days": {"before": 365, "after": 2555}})
    w.by("settings.changed", w.working_time(31), admin, targets=[organization], reason="After the night-time "
         "guessing on Tom's account", changes={"lockout_threshold": {"before": None, "after": 4},
                                               "lockout_duration_minutes": {"before": None, "after": 60}})
    return {"retention_days": 2555, "lockout_threshold": 4, "lockout_duration_minutes": 60}


def _role_story(w: _Writer) -> None:
    """Sam was promoted to manager; Lena was briefly made an admin for a migration, then set back."""
    admin = w.pick("admin")
    sam = next(p for p in w.people if p.email.startswith("sam."))
    lena = next(p for p in w.people if p.email.startswith("lena."))
    for person, day, before, after in ((sam, 12, "member", "manager"), (lena, 20, "member", "admin"),
                                       (lena, 22, "admin", "member")):
        w.by("member.role_changed", w.working_time(day), admin,
             targets=[{"type": "user", "id": person.id, "name": person.name}],
             changes={"role": {"before": before, "after": after}})


def _trail_reads(w: _Writer) -> None:
    officer = w.pick("compliance_officer")
    for day in (14, 28, 40):
        moment = w.working_time(day)
        w.by("audit.viewed", moment, officer, metadata={"reads": w.rng.randint(3, 40), "filters": {"actor": "user"}})
    w.by("audit.exported", w.working_time(41), officer, metadata={
        "format": "csv", "filters": {"action": "auth.*"}, "rows": 412})
