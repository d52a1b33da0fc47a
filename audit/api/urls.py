"""URLs of the REST API, mounted at /api/v1/."""
from django.urls import path

from .export import ExportView
from .views import ActorsView, EventDetailView, EventsView, IntegrityView

app_name = "api"

urlpatterns = [
    path("events", EventsView.as_view(), name="events"),
    path("events/<str:pk>", EventDetailView.as_view(), name="event-detail"),
    path("actors", ActorsView.as_view(), name="actors"),
    path("integrity", IntegrityView.as_view(), name="integrity"),
    path("export", ExportView.as_view(), name="export"),
]
