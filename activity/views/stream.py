"""The landing page: recent activity in the runs a person can see, grouped by run, busiest lately first."""
from datetime import timedelta

from django.shortcuts import render
from django.utils import timezone

from ..filters import ActivityFilter
from ..models import Run
from ..selectors import visible_events
from ..sentences import entry_for
from ..summaries import summarize
from .access import activity_required
from .choices import people_choices

STREAM_EVENTS = 600   # the newest events the stream groups; older activity is one click away on the runs list
STREAM_RUNS = 15
ITEMS_PER_RUN = 5
RECENT = timedelta(hours=24)  # "changed most today", read as the last 24 hours: no empty ranking at 1 a.m.


@activity_required
def stream(request):
    viewer = request.viewer
    params = request.GET.copy()
    params.setdefault("period", "7d")
    filters = ActivityFilter(params, queryset=visible_events(viewer), organization=viewer.organization)
    events = list(filters.qs.order_by("-occurred_at", "-seq")[:STREAM_EVENTS]) if filters.is_valid() else []
    return render(request, "activity/stream.html", {
        "filters": filters, "groups": _by_run(viewer, events), "people": people_choices(viewer.organization),
        "capped": len(events) == STREAM_EVENTS})


def _by_run(viewer, events) -> list[dict]:
    recent = timezone.now() - RECENT
    grouped: dict[str, list] = {}
    for event in reversed(events):  # oldest first, as the summarizers read them
        grouped.setdefault(event.run_id, []).append(event)
    runs = {run.run_id: run for run in Run.objects.filter(organization=viewer.organization, run_id__in=grouped)}
    groups = [{"run": runs.get(run_id), "run_id": run_id, "count": len(run_events),
               "recent": sum(event.occurred_at >= recent for event in run_events), "latest": run_events[-1].occurred_at,
               "items": summarize([entry_for(event) for event in run_events])[:ITEMS_PER_RUN]}
              for run_id, run_events in grouped.items()]
    groups.sort(key=lambda group: (group["recent"], group["latest"]), reverse=True)
    return groups[:STREAM_RUNS]
