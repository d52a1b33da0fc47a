"""Verification asked for by a person: one request open per organization, run by the worker, its outcome recorded."""
import dataclasses
import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..acting import Acting
from ..models import IntegrityCheck, Organization, VerificationRequest
from .integrity import verify_and_record
from .recording import record_action

logger = logging.getLogger("trailproof.integrity")
STALE_AFTER = timedelta(hours=1)  # a request no worker finished by then is closed, so a new one can be made


def verify_now(organization: Organization, acting: Acting) -> IntegrityCheck:
    """Verifies the chain; the check is stored and who asked is recorded in the trail as `integrity.verified`."""
    check = verify_and_record(organization, triggered_by=acting.recorded_via)
    record_action(organization, "integrity.verified", acting,
                  outcome="success" if check.status == "ok" else "failure", reason=check.problem,
                  metadata={"status": check.status, "verified_through_seq": check.verified_through_seq,
                            "first_bad_seq": check.first_bad_seq})
    return check


def open_request(organization: Organization) -> VerificationRequest | None:
    return VerificationRequest.objects.filter(organization=organization, finished_at__isnull=True).first()


def request_verification(organization: Organization, acting: Acting) -> tuple[VerificationRequest, bool]:
    """(request, created): a new request, or the one already queued or running for this organization."""
    stale = VerificationRequest.objects.filter(organization=organization, finished_at__isnull=True,
                                               requested_at__lt=timezone.now() - STALE_AFTER)
    if stale.update(finished_at=timezone.now()):
        logger.warning("A verification of %s was never finished by a worker; closed it", organization.slug)
    try:
        with transaction.atomic():
            created = VerificationRequest.objects.create(organization=organization,
                                                         acting=dataclasses.asdict(acting))
    except IntegrityError:
        return open_request(organization), False
    return created, True


def run_requested_verification(request_id: int) -> IntegrityCheck | None:
    """Runs a queued request once (a second delivery of the task finds it taken and does nothing)."""
    if not VerificationRequest.objects.filter(pk=request_id, started_at__isnull=True,
                                              finished_at__isnull=True).update(started_at=timezone.now()):
        return None
    request = VerificationRequest.objects.select_related("organization").get(pk=request_id)
    check = None
    try:
        check = verify_now(request.organization, Acting(**request.acting))
    finally:
        VerificationRequest.objects.filter(pk=request_id).update(finished_at=timezone.now(), check_result=check)
    return check
