"""URLs of the activity API, mounted at /api/v1/ beside the trail's."""
from django.urls import path

from . import views

app_name = "activity-api"

urlpatterns = [
    path("runs", views.RunsView.as_view(), name="runs"),
    path("runs/<str:run_id>", views.RunDetailView.as_view(), name="run-detail"),
    path("runs/<str:run_id>/activity", views.RunActivityView.as_view(), name="run-activity"),
    path("tasks/<str:task_id>", views.TaskDetailView.as_view(), name="task-detail"),
    path("tasks/<str:task_id>/activity", views.TaskActivityView.as_view(), name="task-activity"),
    path("blueprints", views.BlueprintsView.as_view(), name="blueprints"),
    path("blueprints/<str:blueprint_id>", views.BlueprintDetailView.as_view(), name="blueprint-detail"),
    path("blueprints/<str:blueprint_id>/activity", views.BlueprintActivityView.as_view(), name="blueprint-activity"),
    path("blueprints/<str:blueprint_id>/versions", views.BlueprintVersionsView.as_view(), name="blueprint-versions"),
    path("blueprints/<str:blueprint_id>/versions/<str:a>/compare/<str:b>", views.VersionCompareView.as_view(),
         name="version-compare"),
]
