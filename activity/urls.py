"""URLs of the activity pages (namespace `activity`, mounted at /activity/)."""
from django.urls import path

from .views import pages, stream

app_name = "activity"

urlpatterns = [
    path("", stream.stream, name="stream"),
    path("runs/", pages.run_list, name="run-list"),
    path("runs/<str:run_id>/", pages.run_detail, name="run-detail"),
    path("tasks/<str:task_id>/", pages.task_detail, name="task-detail"),
    path("blueprints/", pages.blueprint_list, name="blueprint-list"),
    path("blueprints/<str:blueprint_id>/", pages.blueprint_detail, name="blueprint-detail"),
    path("blueprints/<str:blueprint_id>/versions/<int:a>/compare/<int:b>/", pages.version_compare,
         name="version-compare"),
]
