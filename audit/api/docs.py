"""The OpenAPI description of the trail endpoints: shapes, parameters and every error each can answer."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers as s

from ..catalog import CATEGORIES
from .pagination import MAX_PAGE_SIZE


def _ref(name):
    return inline_serializer(name, {"id": s.CharField(), "name": s.CharField(required=False, allow_null=True)},
                             allow_null=True, required=False)


def _actor_in():
    return inline_serializer("ActorIn", {
        "kind": s.ChoiceField(["user", "bot", "api_client", "system"], required=False),
        "id": s.CharField(max_length=200, required=False, help_text="Required unless kind is bot."),
        "name": s.CharField(max_length=200, required=False), "email": s.EmailField(required=False)})


def _actor_out():
    return inline_serializer("ActorOut", {
        "kind": s.CharField(), "id": s.CharField(), "name": s.CharField(allow_null=True),
        "email": s.CharField(allow_null=True)})


def _event_fields() -> dict:
    target = inline_serializer("Target", {"type": s.CharField(), "id": s.CharField(),
                                          "name": s.CharField(required=False, allow_null=True)})
    automation = inline_serializer("Automation", {
        "id": s.CharField(), "name": s.CharField(required=False, allow_null=True),
        "trigger": s.CharField(required=False, allow_null=True)}, allow_null=True, required=False)
    source = inline_serializer("Source", {"ip": s.IPAddressField(required=False, allow_null=True),
                                          "user_agent": s.CharField(required=False, allow_null=True)},
                               allow_null=True, required=False)
    return {
        "action": s.CharField(max_length=100, help_text="Lowercase dotted name, like task.completed."),
        "occurred_at": s.DateTimeField(help_text="RFC 3339 with a UTC offset."),
        "automation": automation, "outcome": s.ChoiceField(["success", "failure"], required=False),
        "reason": s.CharField(max_length=2000, required=False, allow_blank=True),
        "targets": s.ListField(child=target, max_length=20, required=False),
        "run": _ref("RunRef"), "task": _ref("TaskRef"), "blueprint": _ref("BlueprintRef"),
        "changes": s.DictField(required=False, allow_null=True, help_text='Field name to {"before", "after"}.'),
        "source": source, "metadata": s.DictField(required=False, allow_null=True, help_text="At most 16 KiB."),
        "event_id": s.CharField(max_length=100, required=False, allow_null=True,
                                help_text="Your id; sending it again returns the stored event."),
    }


def _event_in():
    return inline_serializer("EventIn", {**_event_fields(), "actor": _actor_in()})


def _event():
    return inline_serializer("Event", {
        **_event_fields(), "actor": _actor_out(), "id": s.IntegerField(), "organization": s.CharField(),
        "seq": s.IntegerField(), "category": s.ChoiceField(CATEGORIES), "recorded_at": s.DateTimeField(),
        "recorded_via": s.CharField(), "hash": s.CharField(), "prev_hash": s.CharField()})


EVENT_IN = _event_in()
BATCH_IN = inline_serializer("EventBatchIn", {"events": s.ListField(child=_event_in(), min_length=1,
                                                                        max_length=1000)})
EVENT = _event()
EVENT_BATCH = inline_serializer("EventBatch", {"events": s.ListField(child=_event())})
EVENT_PAGE = inline_serializer("EventPage", {"results": s.ListField(child=_event()),
                                             "next": s.URLField(allow_null=True)})
STORED = PolymorphicProxySerializer("StoredEventOrBatch", [EVENT, EVENT_BATCH], resource_type_field_name=None)
ERROR = inline_serializer("Errors", {"errors": s.ListField(child=inline_serializer("Error", {
    "index": s.IntegerField(required=False, help_text="The event's position in a batch."),
    "field": s.CharField(help_text="Dotted path inside the event, like actor.id."),
    "message": s.CharField()}))})
ACTOR = inline_serializer("Actor", {
    "kind": s.CharField(), "id": s.CharField(), "name": s.CharField(allow_null=True),
    "email": s.CharField(allow_null=True), "event_count": s.IntegerField(),
    "first_seen": s.DateTimeField(allow_null=True), "last_seen": s.DateTimeField(allow_null=True),
    "erased": s.BooleanField()})
ACTOR_PAGE = inline_serializer("ActorPage", {"results": s.ListField(child=ACTOR), "next": s.URLField(allow_null=True)})
ACTIVITY = inline_serializer("RunActivity", {"run": s.DictField(allow_null=True), "results": s.ListField(
    child=inline_serializer("ActivityEntry", {
        "id": s.IntegerField(), "seq": s.IntegerField(), "occurred_at": s.DateTimeField(), "action": s.CharField(),
        "summary": s.CharField(help_text="A sentence a person reads, naming who did what."),
        "actor": s.DictField()}))})
INTEGRITY = inline_serializer("Integrity", {
    "status": s.ChoiceField(["ok", "broken"]), "verified_through_seq": s.IntegerField(),
    "first_bad_seq": s.IntegerField(allow_null=True), "checked_at": s.DateTimeField(),
    "problem": s.CharField(allow_null=True)})


def _errors(*codes):
    text = {400: "Invalid input: every invalid field is named.", 401: "Missing, unknown or revoked API key.",
            403: "The key lacks the scope, or the object is another organization's.", 404: "Unknown id.",
            413: "Over 1,000 events or 5 MiB.", 422: "Idempotency-Key reused with a different body.",
            429: "Throttled; see the Retry-After header."}
    return {code: OpenApiResponse(ERROR, description=text[code]) for code in (401, 403, 429, *codes)}


PAGING = [
    OpenApiParameter("order", str, enum=["desc", "asc"], description=(
        "desc (default): newest first by occurred_at, ties by seq. asc: in seq order, and `next` is never "
        "null, so a poller can store it and follow it later without gaps or repeats.")),
    OpenApiParameter("page_size", int, description=f"1 to {MAX_PAGE_SIZE}, default 50; otherwise 400."),
    OpenApiParameter("cursor", str, description="Opaque; follow the `next` link."),
]

list_events = extend_schema(summary="List events", parameters=PAGING,
                            responses={200: EVENT_PAGE, **_errors(400)})
ingest = extend_schema(
    summary="Ingest one event or a batch of 1 to 1,000 (all or nothing)",
    request=PolymorphicProxySerializer("EventOrBatch", [EVENT_IN, BATCH_IN], resource_type_field_name=None),
    parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, description=(
        "Retrying a request with the same key and body returns what the first one stored, with 200."))],
    responses={201: OpenApiResponse(STORED, description="Stored: the event, or {\"events\": [...]} in order."),
               200: OpenApiResponse(STORED, description="Every event was already stored under its event_id."),
               **_errors(400, 413, 422)},
)
event_detail = extend_schema(summary="One event with every stored field", responses={200: EVENT, **_errors(404)})
list_actors = extend_schema(
    summary="The organization's actors with event counts, first and last seen",
    parameters=[OpenApiParameter("q", str, description="Actor id prefix or part of the name."), *PAGING[1:]],
    responses={200: ACTOR_PAGE, **_errors(400)})
run_activity = extend_schema(summary="A run's timeline, oldest first, each entry with a summary sentence",
                             responses={200: ACTIVITY, **_errors(404)})
integrity = extend_schema(summary="The organization's chain verification", responses={200: INTEGRITY, **_errors()})
export = extend_schema(
    summary="Export the filtered trail (streamed)",
    parameters=[OpenApiParameter("format", str, enum=["csv", "jsonl", "ocsf"], description=(
        "csv (default): a header row then one event a row, formula cells neutralized. jsonl: one stored event "
        "per line. ocsf: OCSF 1.x JSON lines. The manifest is recorded in the audit.exported event."))],
    responses={(200, "text/csv"): OpenApiTypes.STR, (200, "application/x-ndjson"): OpenApiTypes.STR,
               **_errors(400)})
