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
    moments = list(filters.qs.order_by("-occurred_at", "-seq").values_list("pk", "run_id", "occurred_at")
                   [:STREAM_EVENTS]) if filters.is_valid() else []
    return render(request, "activity/stream.html", {
        "filters": filters, "groups": _busiest_runs(viewer, filters.qs, moments),
        "people": people_choices(viewer.organization), "capped": len(moments) == STREAM_EVENTS})


def _busiest_runs(viewer, events, moments) -> list[dict]:
    """The runs of the `moments` (pk, run id, occurred_at; newest first) that changed most lately, each with its
    latest entries: only the events of the runs shown are read whole and told as sentences."""
    recent = timezone.now() - RECENT
    by_run: dict[str, list] = {}
    for pk, run_id, occurred_at in reversed(moments):  # oldest first, as the summarizers read them
        by_run.setdefault(run_id, []).append((pk, occurred_at))
    shown = sorted(by_run.items(), key=lambda item: (sum(at >= recent for _, at in item[1]), item[1][-1][1]),
                   reverse=True)[:STREAM_RUNS]
    wanted = [pk for _, run_moments in shown for pk, _ in run_moments]
    whole: dict[str, list] = {}
    for event in events.filter(pk__in=wanted).order_by("occurred_at", "seq"):
        whole.setdefault(event.run_id, []).append(event)
    runs = {run.run_id: run for run in Run.objects.filter(organization=viewer.organization,
                                                          run_id__in=[run_id for run_id, _ in shown])}
    return [{"run": runs.get(run_id), "run_id": run_id, "count": len(run_moments),
             "recent": sum(at >= recent for _, at in run_moments),
             "items": summarize([entry_for(event) for event in whole.get(run_id, [])])[:ITEMS_PER_RUN]}
            for run_id, run_moments in shown]
