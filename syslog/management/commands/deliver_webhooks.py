"""Sends the webhook deliveries that are due: the retries, when no Celery beat runs the sweep."""
from django.core.management.base import BaseCommand

from syslog.tasks import deliver_due_webhooks


class Command(BaseCommand):
    help = "Attempt every webhook delivery whose retry is due (run it from cron when there is no broker)."

    def handle(self, *args, **options):
        queued = deliver_due_webhooks()
        self.stdout.write(f"{queued} due webhook deliveries attempted or queued")
