"""URLs of the activity API, mounted at /api/v1/ beside the trail's.

Ids are the platform's and may hold slashes (`pid:`, activity.converters); the more specific patterns come first.
"""
from django.urls import path

from activity import converters  # noqa: F401 - registers `pid`

from . import views

app_name = "activity-api"

urlpatterns = [
    path("runs", views.RunsView.as_view(), name="runs"),
    path("runs/<pid:run_id>/activity", views.RunActivityView.as_view(), name="run-activity"),
    path("runs/<pid:run_id>", views.RunDetailView.as_view(), name="run-detail"),
    path("tasks/<pid:task_id>/activity", views.TaskActivityView.as_view(), name="task-activity"),
    path("tasks/<pid:task_id>", views.TaskDetailView.as_view(), name="task-detail"),
    path("blueprints", views.BlueprintsView.as_view(), name="blueprints"),
    path("blueprints/<pid:blueprint_id>/versions/<str:a>/compare/<str:b>", views.VersionCompareView.as_view(),
         name="version-compare"),
    path("blueprints/<pid:blueprint_id>/versions", views.BlueprintVersionsView.as_view(), name="blueprint-versions"),
    path("blueprints/<pid:blueprint_id>/activity", views.BlueprintActivityView.as_view(), name="blueprint-activity"),
    path("blueprints/<pid:blueprint_id>", views.BlueprintDetailView.as_view(), name="blueprint-detail"),
]
