"""System log and webhook endpoints, mounted at /api/v1/ beside the audit endpoints."""
app_name = "syslog-api"

urlpatterns = []
