"""The "What we record" page, generated from the catalog and from what the code registers as performed."""
from django.shortcuts import render

from ..behaviours import retention_of, summary_of
from ..catalog import CATALOG, SKIPPED_FAMILIES, Retention, Store
from .scope import investigator_required

STORE_LABELS = {Store.AUDIT: "Audit trail (hash-chained)", Store.SYSLOG: "System log"}
# How a catalog sentence reads when it describes the action rather than one event.
EXAMPLE_WORDS = {"actor": "someone", "target": "something", "run": "a run", "task": "a task",
                 "blueprint": "a blueprint", "automation": "an automation"}


class _Generic(dict):
    def __missing__(self, key):
        return key.replace("_", " ")


def example_sentence(spec) -> str:
    sentence = spec.sentence.format_map(_Generic(EXAMPLE_WORDS))
    return sentence[:1].upper() + sentence[1:] + "."


def retention_text(spec, organization) -> str:
    performed = retention_of(spec)
    if performed is None:
        return "Kept: nothing deletes these automatically yet"
    days = {Retention.AUDIT: organization.retention_days,
            Retention.SYSTEM_LOG: organization.system_log_retention_days}.get(spec.retention)
    return (f"{days} days from when it occurred; " if days else "") + performed.description


def summary_text(spec) -> str:
    performed = summary_of(spec)
    return performed.description if performed else "No: every occurrence is kept and shown"


@investigator_required
def what_we_record(request):
    organization = request.investigation.organization
    rows = [{"spec": spec, "sentence": example_sentence(spec), "store": STORE_LABELS.get(spec.store, spec.store),
             "retention": retention_text(spec, organization), "summary": summary_text(spec)}
            for spec in sorted(CATALOG.values(), key=lambda spec: (spec.category, spec.action))]
    return render(request, "audit/what_we_record.html", {
        "organization": organization, "rows": rows, "skipped": sorted(SKIPPED_FAMILIES.items())})
