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
    "purge-expired-events-daily": {"task": "audit.tasks.purge_expired", "schedule": 24 * 3600},
    # Drains the delivery outbox, then sends due retries and deliveries whose queue message was lost.
    "deliver-due-webhooks": {"task": "syslog.deliver_due_webhooks", "schedule": 60},
    # Every few minutes, also when nothing happened, so that silence is provable (contract §9).
    "sign-checkpoints": {"task": "audit.tasks.sign_all_checkpoints", "schedule": 5 * 60},
    # The nightly pass reads only what is new; once a week every event is read again.
    "verify-audit-chains-weekly-full": {"task": "audit.tasks.verify_all_chains", "schedule": 7 * 24 * 3600,
                                        "kwargs": {"full": True}},
    "drain-webhook-outbox": {"task": "syslog.drain_outbox", "schedule": 15},
    "purge-expired-system-logs": {"task": "syslog.purge_expired_system_logs", "schedule": 24 * 3600},
    # Beat's heartbeat for /readyz, and the clock offset alert.
    "beat-tick": {"task": "syslog.beat_tick", "schedule": 30},
    "check-clock": {"task": "syslog.check_clock", "schedule": 300},
    "chain-pending-events": {"task": "audit.tasks.chain_pending_events", "schedule": 60},
}
