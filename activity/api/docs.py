"""The OpenAPI description of the activity endpoints (contract §7)."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers as s

from audit.api.docs import ActivityEntry, Errors

from ..filters import RunFilter


class ActivityRef(s.Serializer):
    id = s.CharField()
    name = s.CharField(allow_null=True)


class ActivityBlueprintRef(ActivityRef):
    version = s.IntegerField(allow_null=True)


class RunOut(s.Serializer):
    id = s.CharField()
    name = s.CharField(allow_null=True)
    blueprint = ActivityBlueprintRef(allow_null=True)
    status = s.ChoiceField(["active", "completed", "cancelled"], allow_null=True)
    started_at = s.DateTimeField(allow_null=True)
    completed_at = s.DateTimeField(allow_null=True)
    participants = s.ListField(child=s.CharField(), help_text="Actor ids of everyone who took part.")
    task_count = s.IntegerField()
    event_count = s.IntegerField(help_text="Events that changed it; reads (views, downloads) are not counted.")
    last_activity_at = s.DateTimeField()


class RunPage(s.Serializer):
    results = RunOut(many=True)
    next = s.URLField(allow_null=True)


class _Assignee(s.Serializer):
    id = s.CharField()
    name = s.CharField(allow_null=True)


class TaskOut(s.Serializer):
    id = s.CharField()
    name = s.CharField(allow_null=True)
    run = s.CharField(allow_null=True)
    state = s.CharField(allow_null=True)
    assignee = _Assignee(allow_null=True)
    completed_at = s.DateTimeField(allow_null=True)
    event_count = s.IntegerField(help_text="Events that changed it; reads (views, downloads) are not counted.")
    first_activity_at = s.DateTimeField()
    last_activity_at = s.DateTimeField()


class BlueprintOut(s.Serializer):
    id = s.CharField()
    name = s.CharField(allow_null=True)
    latest_version = s.IntegerField(allow_null=True)
    published_at = s.DateTimeField(allow_null=True)
    draft_edits_pending = s.IntegerField()
    event_count = s.IntegerField(help_text="Events that changed it; reads (views, downloads) are not counted.")
    last_activity_at = s.DateTimeField()


class BlueprintPage(s.Serializer):
    results = BlueprintOut(many=True)
    next = s.URLField(allow_null=True)


class _Period(s.Serializer):
    to = s.DateTimeField(allow_null=True)


_Period._declared_fields["from"] = s.DateTimeField(allow_null=True)


class VersionOut(s.Serializer):
    version = s.IntegerField()
    published_at = s.DateTimeField()
    published_by = s.CharField(help_text="The actor id of who published.")
    published_by_name = s.CharField(allow_null=True)
    draft_edit_count = s.IntegerField(help_text="Draft edits merged: those since the previous publish.")
    editors = s.ListField(child=s.CharField(), help_text="Actor ids of the draft's editors.")
    editor_names = s.ListField(child=s.CharField())
    period = _Period()
    changes = s.DictField(help_text="Per field: the value before the first edit and after the last.")
    event_seq = s.IntegerField()


class VersionPage(s.Serializer):
    blueprint = ActivityRef()
    results = VersionOut(many=True)
    next = s.URLField(allow_null=True)


class _FieldComparison(s.Serializer):
    field = s.CharField()
    a = s.JSONField(allow_null=True)
    b = s.JSONField(allow_null=True)
    changed = s.BooleanField()


class Comparison(s.Serializer):
    blueprint = ActivityRef()
    a = VersionOut()
    b = VersionOut()
    fields = _FieldComparison(many=True)


def _timeline(key: str):
    class Timeline(s.Serializer):
        results = ActivityEntry(many=True)
        next = s.URLField(allow_null=True)

    Timeline._declared_fields[key] = ActivityRef(allow_null=True)
    Timeline.__name__ = f"{key.title()}Timeline"
    return Timeline


def _errors(*codes):
    text = {400: "Invalid parameter: each is named.", 401: "Missing, unknown or revoked API key.",
            403: "The key lacks events:read, or the object is another organization's.", 404: "Unknown id.",
            429: "Throttled; see the Retry-After header."}
    return {code: OpenApiResponse(Errors, description=text[code]) for code in (401, 403, 429, *codes)}


PAGE = [OpenApiParameter("page_size", int, description="1 to 500, default 50; otherwise 400."),
        OpenApiParameter("cursor", str, description="Opaque; follow the `next` link.")]
TIMELINE = [OpenApiParameter("page_size", int, description="1 to 1000, default 500; otherwise 400."),
            OpenApiParameter("cursor", str, description="Opaque; follow the `next` link.")]

RUN_FILTERS = [OpenApiParameter(name, OpenApiTypes.DATETIME if name in ("since", "until") else str,
                                enum=[value for value, _ in f.extra["choices"]] if f.extra.get("choices") else None,
                                description=str(f.extra.get("help_text") or name))
               for name, f in RunFilter.base_filters.items()]

list_runs = extend_schema(operation_id="runs_list", summary="Runs, newest activity first",
                          parameters=RUN_FILTERS + PAGE,
                          responses={200: RunPage, **_errors(400)})
run_detail = extend_schema(operation_id="runs_retrieve", summary="One run as its events describe it",
                           responses={200: RunOut, **_errors(404)})
run_activity = extend_schema(operation_id="run_activity", parameters=TIMELINE,
                             summary="A run's timeline, oldest first, each entry with a summary sentence",
                             responses={200: _timeline("run"), **_errors(400, 404)})
task_detail = extend_schema(operation_id="tasks_retrieve", summary="One task: state, assignee, run",
                            responses={200: TaskOut, **_errors(404)})
task_activity = extend_schema(operation_id="task_activity", parameters=TIMELINE,
                              summary="A task's timeline, oldest first, each entry with a summary sentence",
                              responses={200: _timeline("task"), **_errors(400, 404)})
list_blueprints = extend_schema(operation_id="blueprints_list", summary="The organization's blueprints, by name",
                                parameters=PAGE, responses={200: BlueprintPage, **_errors(400)})
blueprint_detail = extend_schema(operation_id="blueprints_retrieve", summary="One blueprint",
                                 responses={200: BlueprintOut, **_errors(404)})
blueprint_activity = extend_schema(operation_id="blueprint_activity", parameters=TIMELINE,
                                   summary="A blueprint's own events (draft edits and publishes), oldest first",
                                   responses={200: _timeline("blueprint"), **_errors(400, 404)})
blueprint_versions = extend_schema(operation_id="blueprint_versions", parameters=PAGE,
                                   summary="Published versions, newest first, each merging its draft edits",
                                   responses={200: VersionPage, **_errors(400, 404)})
version_compare = extend_schema(operation_id="blueprint_version_compare",
                                # Strings, as the URL takes them: anything but a published version's number is a 404.
                                parameters=[OpenApiParameter(name, str, OpenApiParameter.PATH, description=text)
                                            for name, text in (("a", "A published version's number."),
                                                               ("b", "Another published version's number."))],
                                summary="Two published versions compared field by field",
                                responses={200: Comparison, **_errors(404)})
