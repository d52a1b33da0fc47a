"""URLs of the REST API, mounted at /api/v1/."""
from django.urls import path

from .export import ExportView
from .proofs import CheckpointsView, ConsistencyView, EventProofView
from .retention import ReceiptsView
from .views import ActorsView, EventDetailView, EventsView, IntegrityView

app_name = "api"

urlpatterns = [
    path("events", EventsView.as_view(), name="events"),
    path("events/<str:pk>", EventDetailView.as_view(), name="event-detail"),
    path("actors", ActorsView.as_view(), name="actors"),
    path("integrity", IntegrityView.as_view(), name="integrity"),
    path("export", ExportView.as_view(), name="export"),
    path("checkpoints", CheckpointsView.as_view(), name="checkpoints"),
    path("events/<str:pk>/proof", EventProofView.as_view(), name="event-proof"),
    path("consistency", ConsistencyView.as_view(), name="consistency"),
    path("retention/receipts", ReceiptsView.as_view(), name="retention-receipts"),
]
