"""The trail endpoints: ingest and list events, one event, actors, integrity."""
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from ..canonical import format_timestamp
from ..documents import event_document
from ..filters import EventFilter
from ..models import AuditEvent
from ..people import person_email, person_name
from ..selectors import actors_for, event_for, filtered_events, latest_integrity_check
from ..services.access import hour_window, record_trail_read
from ..services.integrity import verify_and_record
from ..validation import parse_timestamp
from . import docs
from .base import TrailView
from .ingest import handle_ingest
from .pagination import decode_cursor, next_page_url, page_size_of, paginate_events
from .permissions import refuse

MAX_ID = 2**63 - 1


class _Problems(list):
    def add(self, field, message):
        self.append((field, message))


def _utc_bounds(params):
    """since/until as strict RFC 3339, handed on in UTC: the database refuses offsets past ±15:59."""
    params, problems = params.copy(), _Problems()
    for name in ("since", "until"):
        if params.get(name):
            try:
                moment = parse_timestamp(params[name], name, problems)
            except (OverflowError, ValueError):
                problems.add(name, "Not a valid date and time.")
                continue
            if moment is not None:
                params[name] = format_timestamp(moment)
    if problems:
        raise ValidationError({field: [message] for field, message in problems})
    return params


def filtered(view) -> tuple[EventFilter, QuerySet]:
    """The organization's events under the request's filters (the one EventFilter); 400 naming bad ones."""
    organization = view.organization()
    filterset = filtered_events(organization, _utc_bounds(view.request.query_params))
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset, filterset.qs


def note_read(view, what: str, filters: dict) -> None:
    """Reads of the trail are recorded, summarized to one event per reader and hour."""
    record_trail_read(organization=view.organization(), acting=view.acting(), window=hour_window(), what=what,
                      filters=filters)


class EventsView(TrailView):
    filter_backends = [DjangoFilterBackend]  # documents EventFilter's parameters in the schema
    filterset_class = EventFilter
    queryset = AuditEvent.objects.none()

    @property
    def required_scope(self):
        return "events:write" if self.request.method == "POST" else "events:read"

    @property
    def throttle_scope(self):
        return "write" if self.request.method == "POST" else "read"

    @docs.list_events
    def get(self, request):
        filterset, events = filtered(self)
        page, next_url = paginate_events(request, events)
        note_read(self, "events", filterset.applied())
        return Response({"results": [event_document(event) for event in page], "next": next_url})

    @docs.ingest
    def post(self, request):
        return handle_ingest(request, organization=self.organization(), recorded_via=self.acting().recorded_via)


def _valid_id(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ID:
        raise NotFound("No event with this id.")
    return int(raw)


class EventDetailView(TrailView):
    def scoped_event(self, request, pk) -> AuditEvent:
        """The organization's event; 403 (recorded) for another organization's, 404 for an unknown id."""
        event = event_for(self.organization(), _valid_id(pk))
        if event is None:
            if AuditEvent.objects.filter(pk=int(pk)).exists():
                refuse(request, f"event:{pk}", "The event belongs to another organization.")
                raise PermissionDenied("This event belongs to another organization.")
            raise NotFound("No event with this id.")
        return event

    @docs.event_detail
    def get(self, request, pk):
        event = self.scoped_event(request, pk)
        note_read(self, "event", {"id": str(event.pk)})
        return Response(event_document(event))


def _timestamp(moment) -> str | None:
    return format_timestamp(moment) if moment else None


def actor_document(actor) -> dict:
    erased = actor.erased_at is not None
    return {
        "kind": actor.kind, "id": actor.external_id,
        "name": person_name(actor), "email": person_email(actor),
        "event_count": actor.event_count,
        "first_seen": _timestamp(actor.first_seen), "last_seen": _timestamp(actor.last_seen), "erased": erased,
    }


class ActorsView(TrailView):
    @docs.list_actors
    def get(self, request):
        params = request.query_params
        q = params.get("q", "").strip()
        if len(q) > 200:
            raise ValidationError({"q": ["Must be at most 200 characters."]})
        size = page_size_of(params)
        position = decode_cursor(params.get("cursor")) or {"o": "actors", "n": 0}
        offset = position.get("n")
        if position.get("o") != "actors" or not isinstance(offset, int) or offset < 0:
            raise ValidationError({"cursor": ["Not a cursor this endpoint issued."]})
        actors = list(actors_for(self.organization(), q)[offset: offset + size + 1])
        next_url = None
        if len(actors) > size:
            actors = actors[:size]
            next_url = next_page_url(request, {"o": "actors", "n": offset + size})
        note_read(self, "actors", {"q": q} if q else {})
        return Response({"results": [actor_document(actor) for actor in actors], "next": next_url})


class IntegrityView(TrailView):
    @docs.integrity
    def get(self, request):
        organization = self.organization()
        check = latest_integrity_check(organization) or verify_and_record(
            organization, triggered_by=self.acting().recorded_via)
        return Response({
            "status": check.status, "verified_through_seq": check.verified_through_seq,
            "first_bad_seq": check.first_bad_seq, "checked_at": _timestamp(check.checked_at),
            "problem": check.problem or None,
        })
