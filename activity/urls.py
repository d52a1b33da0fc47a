"""URLs of the activity pages (namespace `activity`, mounted at /activity/).

Ids are the platform's and may hold slashes (`pid:`, activity.converters); the more specific patterns come first.
"""
from django.urls import path

from activity import converters  # noqa: F401 - registers `pid`

from .views import pages, stream

app_name = "activity"

urlpatterns = [
    path("", stream.stream, name="stream"),
    path("runs/", pages.run_list, name="run-list"),
    path("runs/<pid:run_id>/", pages.run_detail, name="run-detail"),
    path("tasks/<pid:task_id>/", pages.task_detail, name="task-detail"),
    path("blueprints/", pages.blueprint_list, name="blueprint-list"),
    path("blueprints/<pid:blueprint_id>/versions/<int:a>/compare/<int:b>/", pages.version_compare,
         name="version-compare"),
    path("blueprints/<pid:blueprint_id>/", pages.blueprint_detail, name="blueprint-detail"),
]
