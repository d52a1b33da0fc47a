"""URLs of the REST API, mounted at /api/v1/."""
from django.urls import path

from .export import ExportView
from .retention import ReceiptsView
from .views import ActorsView, EventDetailView, EventsView, IntegrityView, RunActivityView

app_name = "api"

urlpatterns = [
    path("events", EventsView.as_view(), name="events"),
    path("events/<str:pk>", EventDetailView.as_view(), name="event-detail"),
    path("actors", ActorsView.as_view(), name="actors"),
    path("runs/<str:run_id>/activity", RunActivityView.as_view(), name="run-activity"),
    path("integrity", IntegrityView.as_view(), name="integrity"),
    path("export", ExportView.as_view(), name="export"),
    path("retention/receipts", ReceiptsView.as_view(), name="retention-receipts"),
]
