"""Who may investigate which organization: the one gate of the investigation pages, recording refusals and reads."""
import hashlib
import zoneinfo
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from ..acting import Acting
from ..models import Organization
from ..selectors import organizations_visible_to
from ..services.access import record_denied, record_trail_read


@dataclass(frozen=True)
class Investigation:
    """The organization being investigated, and by whom."""

    organization: Organization
    acting: Acting
    window: str


def session_window(request) -> str:
    """Trail reads are summarized per officer per session; the session key itself is never stored."""
    if not request.session.session_key:
        request.session.save()
    return "session:" + hashlib.sha256(request.session.session_key.encode()).hexdigest()[:16]


def _home_organization(request) -> Organization | None:
    """The organization a refusal is recorded in: the one the person is working in."""
    membership = getattr(request, "membership", None)
    return membership.organization if membership else None


def record_refusal(request, *, reason: str, organization: Organization | None = None) -> None:
    """Records `authz.denied` in the organization the person works in (they may belong to none)."""
    organization = organization or _home_organization(request)
    if organization is not None:
        record_denied(organization=organization, acting=Acting.for_user(request.user, request),
                      resource=request.get_full_path(), reason=reason)


def refuse(request, *, reason: str, status: int = 403):
    record_refusal(request, reason=reason)
    return render(request, "audit/refused.html", {"reason": reason}, status=status)


def refusing_other_organizations(view):
    """For pages of the person's own organization: `?org=` naming one they are not a member of is a 404, recorded
    (the middleware already took `?org=` of one of theirs as the current organization)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        asked, membership = request.GET.get("org"), getattr(request, "membership", None)
        if asked and (not membership or membership.organization.slug != asked):
            record_refusal(request, reason="the organization named in the address is not one of this person's")
            raise Http404("No such organization.")
        return view(request, *args, **kwargs)

    return wrapper


def not_in_organization(request, what: str):
    """A scoped lookup missed: the object is another organization's or does not exist. Both are refused alike."""
    record_denied(organization=request.investigation.organization, acting=request.investigation.acting,
                  resource=request.get_full_path(), reason=f"{what} is not in this organization")
    raise Http404(f"No such {what} in this organization.")


def _chosen_organization(request):
    """(organization, refusal reason). `?org=slug` chooses among the visible ones; otherwise the current one."""
    visible = organizations_visible_to(request.user)
    slug = request.GET.get("org") or request.POST.get("org")
    if slug:
        chosen = visible.filter(slug=slug).first()
        return (chosen, None) if chosen else (None, _why_not_open(request.user, slug))
    membership = getattr(request, "membership", None)
    if membership and membership.can_investigate:
        return membership.organization, None
    first = visible.first()
    if first is not None and not request.user.is_superuser:
        return first, None
    if request.user.is_superuser:
        return None, ""
    return None, "the audit trail is open to compliance officers and admins"


def _why_not_open(user, slug: str) -> str:
    """What is true for this person: a member told their role does not open these pages; anyone else learns
    nothing about whether the organization exists."""
    membership = user.memberships.select_related("organization").filter(organization__slug=slug).first()
    if membership is not None:
        return (f"the investigation pages are for compliance officers and admins, and you are a "
                f"{membership.get_role_display().lower()} of {membership.organization.name}")
    return "you are not a compliance officer or admin of that organization"


def activate_time_zone(user) -> None:
    try:
        timezone.activate(zoneinfo.ZoneInfo(user.time_zone or "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.activate(zoneinfo.ZoneInfo("UTC"))


def investigator_required(view):
    """Resolves `request.investigation` for compliance officers, admins and superusers; refuses everyone else."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        organization, reason = _chosen_organization(request)
        if organization is None:
            if reason == "":
                return render(request, "audit/choose_organization.html",
                              {"organizations": organizations_visible_to(request.user), "target": request.path})
            return refuse(request, reason=reason)
        request.investigation = Investigation(organization, Acting.for_user(request.user, request),
                                              session_window(request))
        activate_time_zone(request.user)
        try:
            return view(request, *args, **kwargs)
        finally:
            timezone.deactivate()

    return wrapper


def record_read(request, *, what: str, filters: dict | None = None) -> None:
    investigation = request.investigation
    record_trail_read(organization=investigation.organization, acting=investigation.acting,
                      window=investigation.window, what=what, filters=filters or {})
