"""The runs list and the run, task and blueprint pages, each with Details and Activity tabs (`?tab=`)."""
from django.shortcuts import redirect, render

from ..filters import STATUSES, ActivityFilter, RunFilter
from ..paging import in_order_page, recent_first_page
from ..selectors import (
    blueprint_events,
    blueprint_for,
    blueprints_for,
    compare_versions,
    participants_of,
    run_events,
    run_for,
    runs_for,
    task_events,
    task_for,
    tasks_of_run,
    version_of,
    versions_of,
)
from ..timeline import activity_page
from .access import activity_required, not_visible
from .choices import blueprint_choices, people_choices

TABS = ("details", "activity")


def _tab(request) -> str:
    return request.GET.get("tab") if request.GET.get("tab") in TABS else "details"


def _activity(request, events, *, people, versions=None) -> dict:
    filters = ActivityFilter(request.GET, queryset=events, organization=request.viewer.organization)
    page = activity_page(filters.qs if filters.is_valid() else events.none(), request.GET.get("cursor"),
                         versions=versions)
    return {"filters": filters, "page": page, "people": people}


@activity_required
def run_list(request):
    viewer = request.viewer
    filters = RunFilter(request.GET, queryset=runs_for(viewer), organization=viewer.organization)
    runs, older = recent_first_page(filters.qs, request.GET.get("cursor")) if filters.is_valid() else ([], None)
    blueprints = blueprint_choices(viewer, request.GET.get("blueprint", ""))
    return render(request, "activity/runs.html", {
        "filters": filters, "runs": runs, "older": older, "statuses": STATUSES, "blueprints": blueprints,
        "people": people_choices(viewer.organization), "sees_every_run": viewer.sees_every_run})


@activity_required
def run_detail(request, run_id):
    run = run_for(request.viewer, run_id)
    if run is None:
        not_visible(request, "run")
    tab, participants = _tab(request), participants_of(run)
    context = {"run": run, "tab": tab, "participants": participants}
    if tab == "details":
        context["tasks"], context["later_tasks"] = in_order_page(tasks_of_run(run), request.GET.get("tasks"))
    else:
        context.update(_activity(request, run_events(run), people=[(p["id"], p["name"]) for p in participants]))
    return render(request, "activity/run.html", context)


@activity_required
def task_detail(request, task_id):
    task = task_for(request.viewer, task_id)
    if task is None:
        not_visible(request, "task")
    tab = _tab(request)
    context = {"task": task, "tab": tab, "run": run_for(request.viewer, task.run_id) if task.run_id else None}
    if tab == "activity":
        context.update(_activity(request, task_events(task), people=people_choices(task.organization)))
    return render(request, "activity/task.html", context)


@activity_required
def blueprint_list(request):
    blueprints, older = recent_first_page(blueprints_for(request.viewer), request.GET.get("cursor"))
    return render(request, "activity/blueprints.html", {"blueprints": blueprints, "older": older})


@activity_required
def blueprint_detail(request, blueprint_id):
    blueprint = blueprint_for(request.viewer, blueprint_id)
    if blueprint is None:
        not_visible(request, "blueprint")
    a, b = request.GET.get("a", ""), request.GET.get("b", "")
    if all(v.isascii() and v.isdigit() and len(v) < 10 for v in (a, b)):  # the compare form, which needs no script
        return redirect("activity:version-compare", blueprint.blueprint_id, int(a), int(b))
    tab, versions = _tab(request), list(versions_of(blueprint))
    context = {"blueprint": blueprint, "tab": tab, "versions": versions}
    if tab == "activity":
        by_seq = {version.event_seq: version for version in versions}
        context.update(_activity(request, blueprint_events(blueprint), people=people_choices(blueprint.organization),
                                 versions=by_seq))
    return render(request, "activity/blueprint.html", context)


@activity_required
def version_compare(request, blueprint_id, a, b):
    blueprint = blueprint_for(request.viewer, blueprint_id)
    if blueprint is None:
        not_visible(request, "blueprint")
    older, newer = version_of(blueprint, a), version_of(blueprint, b)
    if older is None or newer is None:
        not_visible(request, "blueprint version")
    rows = compare_versions(older, newer)
    return render(request, "activity/compare.html", {
        "blueprint": blueprint, "older": older, "newer": newer, "pair": (older, newer), "rows": rows,
        "changed": sum(row["changed"] for row in rows),
        "versions": versions_of(blueprint).values_list("version", flat=True)})
