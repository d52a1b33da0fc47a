"""App configuration for activity history: listens to the trail and registers its summarizers."""
from django.apps import AppConfig

PROJECTION_RECEIVER = "activity.projection"


class ActivityConfig(AppConfig):
    name = "activity"
    verbose_name = "Activity history"

    def ready(self):
        from audit.behaviours import performs_summary
        from audit.events import events_chained, person_erased

        from .projection import on_events_chained, on_person_erased
        from .summaries import SUMMARIZERS

        events_chained.connect(on_events_chained, dispatch_uid=PROJECTION_RECEIVER)
        person_erased.connect(on_person_erased, dispatch_uid="activity.erasure")
        for mode, summarizer in SUMMARIZERS.items():
            performs_summary(mode, description=summarizer.description)(summarizer.collapse)
