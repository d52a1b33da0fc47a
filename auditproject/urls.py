"""Top-level URLs: accounts, the investigation pages, the admin and the API."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from audit.api.proofs import public_keys
from audit.views import accounts, profile
from syslog.health import views as health
from syslog.metrics import views as metrics

account_patterns = [
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", accounts.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("profile/", profile.profile, name="profile"),
]

urlpatterns = [
    path("", accounts.home, name="home"),
    path("accounts/", include(account_patterns)),
    path("audit/", include("audit.urls")),
    path("activity/", include("activity.urls")),
    path("settings/", include("audit.urls_settings")),
    path("system/", include("syslog.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("audit.api.urls")),
    path("api/v1/", include("syslog.api.urls")),
    path("api/v1/", include("activity.api.urls")),
    path("alerts/", include("syslog.alerts.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path(".well-known/trailproof-keys.json", public_keys, name="trailproof-keys"),
]

handler500 = "syslog.middleware.server_error"
