"""URLs of the investigation pages (namespace `audit`)."""
from django.urls import path

from .views import investigation

app_name = "audit"

urlpatterns = [
    path("", investigation.trail, name="trail"),
]
