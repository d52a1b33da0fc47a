"""The "What we record" page, generated from the catalog so that it cannot drift from what the code records."""
from django.shortcuts import render

from ..catalog import CATALOG, SKIPPED_FAMILIES, Retention, Store, Summary
from .scope import investigator_required

STORE_LABELS = {Store.AUDIT: "Audit trail (hash-chained)", Store.SYSLOG: "System log"}
SUMMARY_LABELS = {
    Summary.NONE: "No: every occurrence is kept",
    Summary.ACCESS_PATTERN: "Yes: the first read in a window is recorded, later ones are counted in one summary",
    Summary.TRANSIENT_STATE: "Kept in full; collapsed in the activity feed",
    Summary.DRAFT_EDITS: "Kept in full; merged into the publish event in the activity feed",
}


def retention_text(spec, organization) -> str:
    if spec.retention == Retention.AUDIT:
        return (f"{organization.retention_days} days from when it occurred, then purged with a deletion receipt "
                f"(in activity timelines {organization.activity_retention_days} days)")
    if spec.retention == Retention.SYSTEM_LOG:
        return f"{organization.system_log_retention_days} days, and deleted with the organization"
    return Retention.LABELS.get(spec.retention, spec.retention)


@investigator_required
def what_we_record(request):
    organization = request.investigation.organization
    rows = [{"spec": spec, "store": STORE_LABELS.get(spec.store, spec.store),
             "retention": retention_text(spec, organization),
             "summary": SUMMARY_LABELS.get(spec.summary, spec.summary), "summarized": bool(spec.summary)}
            for spec in sorted(CATALOG.values(), key=lambda spec: (spec.category, spec.action))]
    return render(request, "audit/what_we_record.html", {
        "organization": organization, "rows": rows, "skipped": sorted(SKIPPED_FAMILIES.items())})
