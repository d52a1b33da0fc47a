"""URLs of the organization settings pages (namespace `settings`): API keys and the like."""
app_name = "settings"

urlpatterns = []
