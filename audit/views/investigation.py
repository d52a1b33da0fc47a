"""Investigation pages: the organization's trail, an actor's page and an event's page, all org-scoped."""
from datetime import timedelta

from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from ..canonical import GENESIS_HASH
from ..documents import computed_hash
from ..filters import EventFilter
from ..models.events import ActorKind
from ..periods import EARLIEST, LATEST
from ..proofs import proven_inclusion
from ..selectors import (
    actor_activity,
    actor_for,
    actors_for,
    event_by_seq,
    event_for,
    filtered_events,
    recently_active_actors,
)
from .bars import activity_bars, bucket_for
from .paging import capped_count, page_of
from .scope import investigator_required, not_in_organization, record_read

ACTOR_PERIOD = timedelta(days=30)
PERIOD_EVENTS = 10_000
SUMMARY_EVENTS = 50_000  # the period's summary reads at most this many of its latest events
PICKER_SIZE = 40
LOOKUP_SIZE = 20
NAME_MATCHES = 10


def _picker_actors(organization):
    """The bot and API clients first (they are easy to forget), then the most recently active people."""
    machine_kinds = [kind for kind in ActorKind.values if kind != ActorKind.USER]  # IN, not NOT: index-friendly
    machines = list(actors_for(organization).filter(kind__in=machine_kinds)[:PICKER_SIZE // 2])
    people = recently_active_actors(organization, kinds=[ActorKind.USER], limit=PICKER_SIZE - len(machines))
    return machines + people


def resolve_actor(organization, params):
    """(params, note): a typed full name becomes that actor's id when it names exactly one; otherwise a note
    saying what is true (several match: pick one; none: the box takes an id or a full name)."""
    value = (params.get("actor") or "").strip()
    if not value or actors_for(organization).filter(external_id=value).exists():
        return params, None
    named = list(actors_for(organization).filter(name__iexact=value, erased_at__isnull=True)[:NAME_MATCHES])
    if len(named) == 1:
        params = params.copy()
        params["actor"] = named[0].external_id
        return params, {"text": f"Showing {named[0].display_name} (id {named[0].external_id}): the one actor "
                                f"with that name."}
    if named:
        return params, {"text": f"Several actors are named “{value}”: pick one.", "choices": named}
    return params, {"text": f"No actor has the id or the full name “{value}”. The Actor box takes an actor's id "
                            "(user:12, bot, client-7) or full name; picking a suggestion is surest.",
                    "problem": True}


def _filter_context(request, event_filter: EventFilter, params=None) -> dict:
    return {"filter": event_filter, "form": event_filter.form, "params": request.GET if params is None else params,
            "organization": request.investigation.organization,
            "picker_actors": _picker_actors(request.investigation.organization),
            "kinds": ActorKind.choices}


@investigator_required
def trail(request):
    organization = request.investigation.organization
    params, actor_note = resolve_actor(organization, request.GET)
    event_filter = filtered_events(organization, params)
    context = {**_filter_context(request, event_filter, params), "actor_note": actor_note}
    if event_filter.is_valid():
        context["page"] = page_of(event_filter.qs, request.GET.get("cursor"))
        context["count"], context["count_capped"] = capped_count(event_filter.qs)
        record_read(request, what="trail", filters=event_filter.applied())
    return render(request, "audit/trail.html", context)


@investigator_required
def actor_list(request):
    query = request.GET.get("q", "").strip()[:200]
    actors = actors_for(request.investigation.organization, query)
    kind = request.GET.get("kind")
    if kind in ActorKind.values:
        actors = actors.filter(kind=kind)
    record_read(request, what="actors", filters={key: value for key, value in (("q", query), ("kind", kind)) if value})
    return render(request, "audit/actor_list.html", {
        "actors": actors[:100], "q": query, "kind": kind, "kinds": ActorKind.choices,
        "organization": request.investigation.organization})


@investigator_required
def actor_lookup(request):
    """The actor picker's search, scoped to the organization: JSON for the datalist."""
    query = request.GET.get("q", "").strip()[:200]
    actors = actors_for(request.investigation.organization, query)[:LOOKUP_SIZE]
    return JsonResponse({"results": [
        {"id": actor.external_id, "name": actor.display_name, "kind": actor.kind} for actor in actors]})


def default_period(actor) -> timedelta:
    """30 days, shortened for very busy actors (the bot) so the summary stays fast; Since/Until widen it."""
    if not (actor.first_seen and actor.last_seen and actor.event_count > PERIOD_EVENTS):
        return ACTOR_PERIOD
    per_day = actor.event_count / max((actor.last_seen - actor.first_seen).total_seconds() / 86400, 1)
    return min(ACTOR_PERIOD, timedelta(days=max(1, int(PERIOD_EVENTS / per_day))))


def _actor_period(event_filter: EventFilter, actor):
    """The period asked for, or the default one ending at the actor's last event; always within the date bounds
    (events recorded before the bounds existed may lie outside them)."""
    since = event_filter.form.cleaned_data.get("since")
    until = event_filter.form.cleaned_data.get("until")
    if until is None:
        until = min(max(actor.last_seen or timezone.now(), EARLIEST) + timedelta(seconds=1), LATEST)
    if since is None:
        since = max(until - default_period(actor), EARLIEST)
    return since, until


def _period_summary(events, actor, since, until) -> dict:
    """The summary of at most SUMMARY_EVENTS of the period's latest events, in at most MAX_BARS bars."""
    in_period = events.filter(occurred_at__gte=since, occurred_at__lt=until)
    latest = in_period.order_by("-occurred_at", "-seq")
    capped = latest[SUMMARY_EVENTS:SUMMARY_EVENTS + 1].exists()
    if capped:
        in_period = in_period.filter(pk__in=latest.values("pk")[:SUMMARY_EVENTS])
    bucket = bucket_for(since, until)
    activity = actor_activity(in_period, automations=actor.kind == ActorKind.BOT, bucket=bucket)
    return {**activity, "bucket": bucket, "summary_capped": SUMMARY_EVENTS if capped else None,
            "bars": activity_bars(activity["daily"], since, until, bucket)}


@investigator_required
def actor_detail(request, pk):
    organization = request.investigation.organization
    actor = actor_for(organization, pk)
    if actor is None:
        not_in_organization(request, "actor")
    params = request.GET.copy()
    params.pop("actor", None)
    event_filter = filtered_events(organization, params)
    context = {**_filter_context(request, event_filter), "actor": actor}
    if event_filter.is_valid():
        events = event_filter.qs.filter(actor=actor)
        since, until = _actor_period(event_filter, actor)
        activity = _period_summary(events, actor, since, until)
        context.update(activity, since=since, until=until, page=page_of(events, request.GET.get("cursor")),
                       failures=sum(row["n"] for row in activity["by_action"] if row["outcome"] == "failure"),
                       total=sum(row["n"] for row in activity["by_action"]))
        record_read(request, what=f"actor:{actor.external_id}", filters=event_filter.applied())
    return render(request, "audit/actor_detail.html", context)


def chain_status(organization, event) -> dict:
    """This event's own hash recomputed, and its link to the event before it."""
    content_ok = computed_hash(event) == event.hash
    previous = event_by_seq(organization, event.seq - 1) if event.seq > 1 else None
    if event.seq == 1:
        link = "ok" if event.prev_hash == GENESIS_HASH else "broken"
    elif previous is None:
        link = "missing"
    else:
        link = "ok" if previous.hash == event.prev_hash else "broken"
    return {"content_ok": content_ok, "link": link, "previous": previous,
            "next": event_by_seq(organization, event.seq + 1), "ok": content_ok and link == "ok"}


@investigator_required
def event_detail(request, pk):
    organization = request.investigation.organization
    event = event_for(organization, pk)
    if event is None:
        not_in_organization(request, "event")
    related = None
    if event.run_id:
        related = list(filtered_events(organization, {"run": event.run_id}).qs
                       .exclude(pk=event.pk).order_by("-occurred_at", "-seq")[:10])
    changes = sorted((event.changes or {}).items())
    record_read(request, what=f"event:{event.seq}")
    return render(request, "audit/event_detail.html", {
        "event": event, "organization": organization, "chain": chain_status(organization, event),
        "changes": changes, "related": related, "erased": event.actor.erased_at is not None,
        "inclusion": proven_inclusion(organization, event)})
