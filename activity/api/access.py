"""Who may read the activity API: a key with `events:read` (every run), or any signed-in member (their view)."""
from audit.api.authentication import ApiKeyPrincipal
from audit.api.base import TrailView
from audit.api.permissions import HasScope, refuse

from ..selectors import Viewer, viewer_for_member


class ReadsActivity(HasScope):
    """Keys need `events:read`; a person's role decides what they see, so any member may ask."""

    def has_permission(self, request, view):
        if request.user is None or not request.user.is_authenticated:
            return False
        if isinstance(request.user, ApiKeyPrincipal):
            return super().has_permission(request, view)
        if getattr(request, "membership", None):
            return True
        self.message = "The activity history is open to members of an organization."
        refuse(request, f"api:{request.method} {request.path}"[:200], self.message)
        return False


class ActivityView(TrailView):
    permission_classes = [ReadsActivity]

    def viewer(self) -> Viewer:
        if isinstance(self.request.user, ApiKeyPrincipal):
            return Viewer(self.organization())
        return viewer_for_member(self.request.user, self.request.membership)
