"""The organization's integrity page: the last verification, the chain's head, and verification on demand."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from ..models import ChainHead, IntegrityCheck
from ..selectors import last_successful_check, latest_integrity_check
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
        "last_ok": last_successful_check(organization),
        "head": ChainHead.objects.filter(organization=organization).first()})
