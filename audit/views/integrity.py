"""The organization's integrity page: the last verification, the chain's head, and verification on demand."""
import hashlib

import orjson
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from ..models import ChainHead, VerificationRequest
from ..proofs import latest_checkpoint
from ..receipts import receipt_document
from ..selectors import active_holds, integrity_alarms, last_successful_check, latest_integrity_check, latest_receipts
from ..services.recording import record_action
from ..services.verification import open_request, request_verification
from ..tasks import verify_on_request
from .scope import investigator_required


def start_verification(organization, acting) -> tuple[VerificationRequest, bool]:
    """Queues a verification for the worker (one at a time per organization); without a broker it runs now."""
    request, created = request_verification(organization, acting)
    if created:
        transaction.on_commit(lambda: verify_on_request.delay(request.pk))
        request.refresh_from_db()
    return request, created


def outcome_message(request: VerificationRequest, created: bool) -> tuple[int, str]:
    check = request.check_result
    if request.state == "finished" and check is not None:
        if check.status == "ok":
            return messages.SUCCESS, f"The chain is intact through event {check.verified_through_seq}."
        return messages.ERROR, f"The chain is broken at event {check.first_bad_seq}: {check.problem}"
    if created:
        return messages.INFO, "Verification queued: this page shows the result when it is done."
    return messages.INFO, f"A verification is already {request.state}: this page shows the result when it is done."


@require_http_methods(["GET", "POST"])
@investigator_required
def integrity(request):
    investigation = request.investigation
    organization = investigation.organization
    if request.method == "POST":
        level, text = outcome_message(*start_verification(organization, investigation.acting))
        messages.add_message(request, level, text)
        return redirect(reverse("audit:integrity") + "?" + urlencode({"org": organization.slug}))
    return render(request, "audit/integrity.html", {
        "organization": organization, "alarms": integrity_alarms(organization),
        "check": latest_integrity_check(organization),
        "pending": open_request(organization),
        "last_ok": last_successful_check(organization),
        "head": ChainHead.objects.filter(organization=organization).first(),
        "checkpoint": latest_checkpoint(organization),
        "receipts": latest_receipts(organization).select_related("event")[:50],
        "holds": active_holds(organization)})


@investigator_required
def receipts_export(request):
    """Every deletion receipt as JSON lines, newest first; the download is recorded like any export."""
    investigation = request.investigation
    organization = investigation.organization
    lines = [orjson.dumps(receipt_document(r)) + b"\n"
             for r in latest_receipts(organization).select_related("organization")]
    body = b"".join(lines)
    file_name = f"retention-receipts-{organization.slug}.jsonl"
    record_action(organization, "audit.exported", investigation.acting, metadata={
        "file_name": file_name, "format": "receipts-jsonl", "filters": {}, "row_count": len(lines),
        "bytes": len(body), "sha256": hashlib.sha256(body).hexdigest(), "complete": True})
    response = HttpResponse(body, content_type="application/x-ndjson")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Cache-Control"] = "no-store"
    return response
