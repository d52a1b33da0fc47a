"""Drains the webhook outbox and sends the deliveries that are due: the brokerless path (run it from cron)."""
from django.core.management.base import BaseCommand

from syslog import delivery, outbox
from syslog.tasks import deliver_due_webhooks


class Command(BaseCommand):
    help = ("Drain the webhook outbox and send every due delivery. Without a broker it sends them here; "
            "with one it queues them for the workers (use --here to send from this process anyway).")

    def add_arguments(self, parser):
        parser.add_argument("--here", action="store_true", help="Send from this process even with a broker.")

    def handle(self, *args, here=False, **options):
        if here or deliver_due_webhooks.app.conf.task_always_eager:
            drained = _drain_all()
            attempted = delivery.deliver_all_due()
            self.stdout.write(f"{drained} outbox items drained; {attempted} webhook deliveries attempted")
        else:
            queued = deliver_due_webhooks()
            self.stdout.write(f"outbox drained; deliveries of {queued} webhooks queued for the workers")


def _drain_all() -> int:
    total = 0
    while True:
        drained, _ = outbox.drain_outbox()
        total += drained
        if drained < outbox.DRAIN_BATCH:
            return total
