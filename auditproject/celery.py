"""The Celery app; with no CELERY_BROKER_URL, tasks run in-process (eager)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "auditproject.settings")

app = Celery("trailproof")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    "verify-audit-chains-nightly": {"task": "audit.tasks.verify_all_chains", "schedule": 24 * 3600},
    "forget-idempotency-keys": {"task": "audit.tasks.forget_idempotency_keys", "schedule": 3600},
    "summarize-trail-reads": {"task": "audit.tasks.summarize_trail_reads", "schedule": 15 * 60},
    # Retries without a broker's countdown, and deliveries whose queue message was lost.
    "deliver-due-webhooks": {"task": "syslog.deliver_due_webhooks", "schedule": 60},
    "chain-pending-events": {"task": "audit.tasks.chain_pending_events", "schedule": 60},
}
