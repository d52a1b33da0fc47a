"""A writer process for the concurrency test: records events into one organization of a file database.

Usage: python -m tests.audit.concurrent_writer <slug> <count>  (with DATABASE_URL pointing at the database)
"""
import os
import sys


def main(slug: str, count: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "auditproject.settings_test")
    import django

    django.setup()
    from audit.models import Organization
    from audit.services.recording import record_event, record_events
    from tests.factories import event_payload

    organization = Organization.objects.get(slug=slug)
    via = f"writer:{os.getpid()}"
    for n in range(count):
        if n % 4 == 0:
            record_events(organization=organization, events=[event_payload(), event_payload()], recorded_via=via)
        else:
            record_event(organization=organization, event=event_payload(), recorded_via=via)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
