"""The scheduled clock check: an offset over CLOCK_OFFSET_WARNING_MS raises the `clock.offset` alert everywhere."""
from celery import shared_task
from django.conf import settings

from audit.models import Organization

from ..alerts.evaluate import Hit, evaluate_safely
from .checks import clock_offset_seconds


@shared_task(name="syslog.check_clock", ignore_result=True)
def check_clock() -> float | None:
    offset = clock_offset_seconds()
    if offset is None or abs(offset) * 1000 <= settings.CLOCK_OFFSET_WARNING_MS:
        return offset
    hit = Hit("clock.offset", "clock", f"{abs(offset):.1f} s", details={"offset_seconds": round(offset, 3)})
    for organization_id in Organization.objects.values_list("pk", flat=True):
        evaluate_safely(organization_id, [hit])
    return offset
