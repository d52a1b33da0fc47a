"""URLs of the investigation pages (namespace `audit`, mounted at /audit/)."""
from django.urls import path

from .views import exports, integrity, inventory, investigation

app_name = "audit"

urlpatterns = [
    path("", investigation.trail, name="trail"),
    path("actors/", investigation.actor_list, name="actor-list"),
    path("actors/lookup/", investigation.actor_lookup, name="actor-lookup"),
    path("actors/<int:pk>/", investigation.actor_detail, name="actor-detail"),
    path("events/<int:pk>/", investigation.event_detail, name="event-detail"),
    path("export/", exports.export, name="export"),
    path("exports/", exports.export_list, name="export-list"),
    path("exports/<int:pk>/", exports.export_detail, name="export-detail"),
    path("exports/<int:pk>/manifest.json", exports.export_manifest, name="export-manifest"),
    path("integrity/", integrity.integrity, name="integrity"),
    path("integrity/receipts.jsonl", integrity.receipts_export, name="receipts-export"),
    path("what-we-record/", inventory.what_we_record, name="what-we-record"),
]
