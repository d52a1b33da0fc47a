"""Settings for the Celery worker process the worker tests start: the test settings with short retries."""
from auditproject.settings_test import *  # noqa: F403

WEBHOOK_RETRY_DELAYS = [1, 1]
WEBHOOK_ALLOW_PRIVATE_TARGETS = True
EMAIL_RETRY_DELAYS = [1, 1]
