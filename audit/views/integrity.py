"""The organization's integrity page: the last verification, the chain's head, and verification on demand."""
import hashlib

import orjson
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from ..models import ChainHead, IntegrityCheck
from ..receipts import receipt_document
from ..selectors import active_holds, latest_integrity_check, latest_receipts
from ..services.integrity import verify_and_record
from ..services.recording import record_action
from .scope import investigator_required


def verify_now(organization, acting) -> IntegrityCheck:
    """Verification asked for by a person: the check is stored and who asked is recorded in the trail."""
    check = verify_and_record(organization, triggered_by=acting.recorded_via)
    record_action(organization, "integrity.verified", acting,
                  outcome="success" if check.status == "ok" else "failure", reason=check.problem,
                  metadata={"status": check.status, "verified_through_seq": check.verified_through_seq,
                            "first_bad_seq": check.first_bad_seq})
    return check


@require_http_methods(["GET", "POST"])
@investigator_required
def integrity(request):
    investigation = request.investigation
    organization = investigation.organization
    if request.method == "POST":
        check = verify_now(organization, investigation.acting)
        if check.status == "ok":
            messages.success(request, f"The chain is intact through event {check.verified_through_seq}.")
        else:
            messages.error(request, f"The chain is broken at event {check.first_bad_seq}: {check.problem}")
        return redirect(reverse("audit:integrity") + "?" + urlencode({"org": organization.slug}))
    return render(request, "audit/integrity.html", {
        "organization": organization, "check": latest_integrity_check(organization),
        "head": ChainHead.objects.filter(organization=organization).first(),
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
