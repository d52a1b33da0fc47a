"""URLs of the organization settings pages (namespace `settings`): API keys and the like."""
from django.urls import path

from .views import api_keys, erasure, holds, retention

app_name = "settings"

urlpatterns = [
    path("api-keys/", api_keys.api_keys, name="api-keys"),
    path("api-keys/<int:pk>/revoke/", api_keys.revoke, name="api-key-revoke"),
    path("retention/", retention.retention_policy, name="retention"),
    path("legal-holds/", holds.legal_holds, name="legal-holds"),
    path("erasure/", erasure.erasure, name="erasure"),
    path("legal-holds/<int:pk>/release/", holds.release, name="legal-hold-release"),
]
