"""Settings for the Celery worker process the worker tests start: the test settings with short retries."""
import os

from auditproject.settings_test import *  # noqa: F403

WEBHOOK_RETRY_DELAYS = [1, 1]
WEBHOOK_ALLOW_PRIVATE_TARGETS = True
WEBHOOK_TIMEOUT_SECONDS = 3
WEBHOOK_CLAIM_SECONDS = 4  # a delivery held by a killed worker is due again after this
EMAIL_RETRY_DELAYS = [1, 1]
# Parallel test processes share one Redis database: each keeps its own keys.
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": os.environ.get("TRAILPROOF_TEST_BROKER_PREFIX", "")}
