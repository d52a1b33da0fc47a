"""The OpenAPI description of the trail endpoints: shapes, parameters and every error each can answer."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import serializers as s

from ..catalog import CATEGORIES
from ..filters import EventFilter
from .pagination import MAX_PAGE_SIZE


class _Ref(s.Serializer):
    id = s.CharField()
    name = s.CharField(required=False, allow_null=True)


class _BlueprintRef(_Ref):
    version = s.IntegerField(required=False, allow_null=True, min_value=1, help_text="The published version.")


class _Automation(_Ref):
    trigger = s.CharField(required=False, allow_null=True)


class _Target(s.Serializer):
    type = s.CharField()
    id = s.CharField()
    name = s.CharField(required=False, allow_null=True)


class _Source(s.Serializer):
    ip = s.IPAddressField(required=False, allow_null=True)
    user_agent = s.CharField(required=False, allow_null=True)


class ActorIn(s.Serializer):
    kind = s.ChoiceField(["user", "bot", "api_client", "system"], required=False)
    id = s.CharField(max_length=200, required=False, help_text="Required unless kind is bot.")
    name = s.CharField(max_length=200, required=False)
    email = s.EmailField(required=False)


class ActorOut(s.Serializer):
    kind = s.CharField()
    id = s.CharField()
    name = s.CharField(allow_null=True)
    email = s.CharField(allow_null=True)


class _EventFields(s.Serializer):
    action = s.CharField(max_length=100, help_text="Lowercase dotted name of 2 to 6 segments, like task.completed.")
    occurred_at = s.DateTimeField(help_text="RFC 3339 with a UTC offset; not more than 5 minutes ahead.")
    automation = _Automation(required=False, allow_null=True, help_text="Required when actor.kind is bot.")
    outcome = s.ChoiceField(["success", "failure"], required=False)
    reason = s.CharField(max_length=2000, required=False, allow_blank=True)
    targets = _Target(many=True, required=False, max_length=20)
    run = _Ref(required=False, allow_null=True)
    task = _Ref(required=False, allow_null=True)
    blueprint = _BlueprintRef(required=False, allow_null=True)
    changes = s.DictField(required=False, allow_null=True, help_text='Field name to {"before", "after"}.')
    source = _Source(required=False, allow_null=True)
    metadata = s.DictField(required=False, allow_null=True, help_text="At most 16 KiB serialized.")
    event_id = s.CharField(max_length=100, required=False, allow_null=True,
                           help_text="Your id, unique in the organization; sending it again returns the stored event.")


class EventIn(_EventFields):
    actor = ActorIn()


class EventBatchIn(s.Serializer):
    events = EventIn(many=True, min_length=1, max_length=1000)


class Event(_EventFields):
    actor = ActorOut()
    id = s.IntegerField()
    organization = s.CharField()
    seq = s.IntegerField(help_text="Gapless per organization, from 1.")
    category = s.ChoiceField(CATEGORIES)
    recorded_at = s.DateTimeField()
    recorded_via = s.CharField(help_text="The API key or user that submitted it.")
    hash = s.CharField()
    prev_hash = s.CharField()


class EventBatch(s.Serializer):
    events = Event(many=True)


class EventPage(s.Serializer):
    results = Event(many=True)
    next = s.URLField(allow_null=True)


class _Error(s.Serializer):
    index = s.IntegerField(required=False, help_text="The event's position in a batch.")
    field = s.CharField(help_text="Dotted path inside the event, like actor.id, or the parameter's name.")
    message = s.CharField()


class Errors(s.Serializer):
    errors = _Error(many=True)


class Actor(s.Serializer):
    kind = s.CharField()
    id = s.CharField()
    name = s.CharField(allow_null=True)
    email = s.CharField(allow_null=True)
    event_count = s.IntegerField()
    first_seen = s.DateTimeField(allow_null=True)
    last_seen = s.DateTimeField(allow_null=True)
    erased = s.BooleanField()


class ActorPage(s.Serializer):
    results = Actor(many=True)
    next = s.URLField(allow_null=True)


class ActivityEntry(s.Serializer):
    id = s.IntegerField()
    seq = s.IntegerField()
    occurred_at = s.DateTimeField()
    action = s.CharField()
    category = s.CharField()
    outcome = s.CharField()
    summary = s.CharField(help_text="A sentence a person reads, naming who did what; the bot with its automation.")
    actor = s.DictField()


class Integrity(s.Serializer):
    status = s.ChoiceField(["ok", "broken"])
    verified_through_seq = s.IntegerField()
    first_bad_seq = s.IntegerField(allow_null=True)
    checked_at = s.DateTimeField()
    problem = s.CharField(allow_null=True)


class BearerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "audit.api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": (
            "An API key: `Authorization: Bearer <key>`. Scopes: events:write, events:read, export.")}


ERROR = Errors
STORED = PolymorphicProxySerializer("StoredEventOrBatch", [Event, EventBatch], resource_type_field_name=None)


def _errors(*codes):
    text = {400: "Invalid input: every invalid field is named.", 401: "Missing, unknown or revoked API key.",
            403: "The key lacks the scope, or the object is another organization's.", 404: "Unknown id.",
            413: "Over 1,000 events or 5 MiB.", 422: "Idempotency-Key reused with a different body.",
            429: "Throttled; see the Retry-After header.",
            503: "The organization's chain stayed busy: the events are pending and will be recorded; retry after "
                 "Retry-After with the same event_id to get them. Or the audit store refused the write (nothing was "
                 "recorded, the operators are alerted); retry later with the same event_id."}
    return {code: OpenApiResponse(ERROR, description=text[code]) for code in (401, 403, 429, *codes)}


def _filter_parameters() -> list[OpenApiParameter]:
    """EventFilter's parameters, so the schema always lists exactly the filters the API applies."""
    parameters = []
    for name, filter_ in EventFilter.base_filters.items():
        choices = filter_.extra.get("choices")
        parameters.append(OpenApiParameter(
            name, OpenApiTypes.DATETIME if name in ("since", "until") else str,
            enum=[value for value, _ in choices] if choices else None,
            description=str(filter_.extra.get("help_text") or name.replace("_", " ").capitalize() + ".")))
    return parameters


FILTERS = _filter_parameters()
PAGING = [
    OpenApiParameter("order", str, enum=["desc", "asc"], description=(
        "desc (default): newest first by occurred_at, ties by seq. asc: in seq order, and `next` is never "
        "null, so a poller can store it and follow it later without gaps or repeats.")),
    OpenApiParameter("page_size", int, description=f"1 to {MAX_PAGE_SIZE}, default 50; otherwise 400."),
    OpenApiParameter("cursor", str, description="Opaque; follow the `next` link."),
]

list_events = extend_schema(operation_id="events_list", summary="List events", parameters=FILTERS + PAGING,
                            responses={200: EventPage, **_errors(400)})
ingest = extend_schema(
    operation_id="events_create",
    summary="Ingest one event or a batch of 1 to 1,000 (all or nothing)",
    request=PolymorphicProxySerializer("EventOrBatch", [EventIn, EventBatchIn], resource_type_field_name=None),
    parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, description=(
        "Retrying a request with the same key and body returns what the first one stored, with 200."))],
    responses={201: OpenApiResponse(STORED, description="Stored: the event, or {\"events\": [...]} in order."),
               200: OpenApiResponse(STORED, description="Every event was already stored under its event_id."),
               **_errors(400, 413, 422, 503)},
)
event_detail = extend_schema(operation_id="events_retrieve", summary="One event with every stored field",
                             responses={200: Event, **_errors(404)})
list_actors = extend_schema(
    operation_id="actors_list",
    summary="The organization's actors with event counts, first and last seen",
    parameters=[OpenApiParameter("q", str, description="Actor id prefix or part of the name."), *PAGING[1:]],
    responses={200: ActorPage, **_errors(400)})
integrity = extend_schema(operation_id="integrity_retrieve", summary="The organization's chain verification",
                          responses={200: Integrity, **_errors()})
export = extend_schema(
    operation_id="export",
    summary="Export the filtered trail (streamed)",
    parameters=[*FILTERS, OpenApiParameter("format", str, enum=["csv", "jsonl", "ocsf"], description=(
        "csv (default): a header row then one event a row, formula cells neutralized. jsonl: one stored event "
        "per line. ocsf: OCSF 1.x JSON lines. The manifest is recorded in the audit.exported event."))],
    responses={(200, "text/csv"): OpenApiTypes.STR, (200, "application/x-ndjson"): OpenApiTypes.STR,
               **_errors(400)})


class CheckpointOut(s.Serializer):
    tree_size = s.IntegerField(help_text="How many events the signed tree holds (the seq of the last).")
    root = s.CharField(help_text="RFC 6962 Merkle root over the event hashes, hex.")
    head_hash = s.CharField(help_text="The hash of event tree_size.")
    signed_at = s.DateTimeField()
    key_id = s.CharField(help_text="Which key of /.well-known/trailproof-keys.json signed it.")
    previous = s.CharField(allow_null=True, help_text="The previous checkpoint's signature.")
    signature = s.CharField(help_text="Ed25519 over the RFC 8785 bytes of the other fields, base64.")


class CheckpointPage(s.Serializer):
    results = CheckpointOut(many=True)
    next = s.URLField(allow_null=True)


class InclusionProof(s.Serializer):
    leaf_index = s.IntegerField(help_text="seq - 1")
    tree_size = s.IntegerField()
    audit_path = s.ListField(child=s.CharField(), help_text="Sibling hashes, hex, nearest first (RFC 6962).")
    checkpoint = CheckpointOut()


class ConsistencyProof(s.Serializer):
    first = s.IntegerField()
    second = s.IntegerField()
    proof = s.ListField(child=s.CharField(), help_text="RFC 6962 consistency proof, hex.")
    first_checkpoint = CheckpointOut()
    second_checkpoint = CheckpointOut()


list_checkpoints = extend_schema(
    operation_id="checkpoints_list", summary="Signed checkpoints, newest first",
    parameters=[PAGING[1], PAGING[2]], responses={200: CheckpointPage, **_errors(400)})
event_proof = extend_schema(
    operation_id="events_proof", summary="Inclusion proof of one event in a signed checkpoint",
    parameters=[OpenApiParameter("tree_size", int, description="A checkpoint's tree size; default the latest.")],
    responses={200: InclusionProof, 409: OpenApiResponse(ERROR, description="Not yet in a signed checkpoint."),
               **_errors(400, 404)})
consistency = extend_schema(
    operation_id="consistency_proof", summary="Consistency proof between two checkpoints",
    parameters=[OpenApiParameter("first", int, required=True, description="The earlier checkpoint's tree size."),
                OpenApiParameter("second", int, required=True, description="The later checkpoint's tree size.")],
    responses={200: ConsistencyProof, **_errors(400)})
