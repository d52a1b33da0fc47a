"""The gate of the activity pages: a signed-in member of an organization, seeing what their role allows."""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils import timezone

from audit.views.scope import activate_time_zone, record_refusal, refuse, refusing_other_organizations

from ..selectors import viewer_for_member


def activity_required(view):
    """Resolves `request.viewer` (the organization and what the person may see in it)."""

    @login_required
    @refusing_other_organizations
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        membership = request.membership
        if not membership:
            return refuse(request, reason="the activity history is open to members of an organization")
        request.viewer = viewer_for_member(request.user, membership)
        activate_time_zone(request.user)
        try:
            return view(request, *args, **kwargs)
        finally:
            timezone.deactivate()

    return wrapper


def not_visible(request, what: str):
    """Another organization's, one the person took no part in, or none at all: refused alike, and recorded."""
    record_refusal(request, reason=f"{what} is not visible to this person", organization=request.viewer.organization)
    raise Http404(f"No such {what}.")
