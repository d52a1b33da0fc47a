"""Blueprint histories for the demo: draft edits by a few people, published as numbered versions."""
from datetime import datetime, timedelta

BLUEPRINTS = {
    "bp-onboarding": ("Customer onboarding", ["Collect KYC documents", "Verify identity", "Credit check",
                                              "Set up account", "Welcome call"]),
    "bp-claim": ("Freight damage claim", ["Log the claim", "Collect photos", "Carrier review", "Approve payout"]),
    "bp-vendor": ("Vendor due diligence", ["Request certificates", "Sanctions screening", "Security questionnaire",
                                           "Legal sign-off"]),
    "bp-access": ("Quarterly access review", ["Export access list", "Manager attestation", "Revoke stale access"]),
    "bp-budget": ("Budget approval", ["Draft budget", "Approve budget", "Upload documents", "Finance sign-off"]),
    "bp-incident": ("Security incident response", ["Triage", "Contain", "Notify customers", "Post-mortem"]),
}
# How many versions each blueprint reaches, and roughly how many draft edits go into each.
VERSIONS = {"bp-onboarding": [12, 9, 20, 47], "bp-claim": [10, 6], "bp-vendor": [14, 8, 11], "bp-access": [6],
            "bp-budget": [9, 15, 7], "bp-incident": [18, 5]}
APPROVERS = ["Team lead", "Finance manager", "Compliance officer", "Head of operations"]


def step_fields(steps: list[str]) -> dict:
    """The fields a blueprint's draft edits change, with their first values."""
    fields = {"title": None, "reminder_hours": 24, "approver_role": "Team lead"}
    for step in steps:
        fields[f"step.{step}.deadline_days"] = 3
    return fields


def _edit(rng, name: str, value):
    if name == "title":
        return f"{(value or 'Untitled').split(' (rev')[0]} (rev {rng.randint(2, 30)})"
    if name == "approver_role":
        return rng.choice([a for a in APPROVERS if a != value])
    if name == "reminder_hours":
        return rng.choice([h for h in (4, 8, 12, 24, 48) if h != value])
    return max(1, value + rng.choice([-2, -1, 1, 2, 3]))


def blueprint_history(w, blueprint_id: str) -> list[tuple[int, datetime]]:
    """Records the blueprint's creation, draft edits and publishes; returns (version, published_at) pairs."""
    name, steps = BLUEPRINTS[blueprint_id]
    editors = w.rng.sample([p for p in w.people if p.role in ("manager", "admin")], 3)
    fields = step_fields(steps)
    fields["title"] = name
    ref = {"id": blueprint_id, "name": name}
    moment = w.working_time(w.rng.randint(0, 2))
    w.by("blueprint.created", moment, editors[0], blueprint=ref, targets=[{"type": "blueprint", **ref}])
    plan, published = VERSIONS[blueprint_id], []
    gap_days = (w.DAYS - 4) / len(plan)
    for number, edits in enumerate(plan, start=1):
        for _ in range(edits):
            moment += timedelta(minutes=w.rng.randint(3, 40))
            field = w.rng.choice(list(fields))
            before, fields[field] = fields[field], _edit(w.rng, field, fields[field])
            w.by("blueprint.draft_edited", moment, w.rng.choice(editors[:min(3, number)]), blueprint=ref,
                 changes={field: {"before": before, "after": fields[field]}})
        moment += timedelta(hours=1)
        w.by("blueprint.published", moment, editors[0], blueprint={**ref, "version": number},
             targets=[{"type": "blueprint", **ref}], metadata={"steps": len(steps)})
        published.append((number, moment))
        moment = max(moment, w.working_time(min(w.DAYS - 1, int(number * gap_days) + w.rng.randint(0, 2))))
    return published
