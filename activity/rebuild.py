"""Rebuilding the activity projections of an organization from its trail, through the live folding code."""
from django.db import transaction

from audit.models import AuditEvent, ChainHead

from .models import Blueprint, BlueprintVersion, Participant, Run, Task
from .projection import project_events

CHUNK = 2000


def projected_events(organization):
    return AuditEvent.objects.filter(organization=organization).select_related("actor").order_by("seq")


def rebuild_projections(organization, *, progress=None) -> int:
    """Empties the organization's projections and folds its events again in seq order; returns the count.

    Holds the chain head's lock meanwhile, so no recording interleaves; `progress(n)` is told each chunk.
    """
    with transaction.atomic():
        ChainHead.objects.select_for_update().filter(organization=organization).first()
        for model in (Run, Participant, Task, Blueprint, BlueprintVersion):
            model.objects.filter(organization=organization).delete()
        chunk, total = [], 0
        for event in projected_events(organization).iterator(chunk_size=CHUNK):
            event._state.fields_cache["organization"] = organization
            chunk.append(event)
            if len(chunk) == CHUNK:
                total += _fold(organization, chunk, progress)
                chunk = []
        if chunk:
            total += _fold(organization, chunk, progress)
    return total


def _fold(organization, chunk, progress) -> int:
    project_events(organization, chunk)
    if progress:
        progress(len(chunk))
    return len(chunk)
