"""Who is calling and for which organization: an API key's scopes, or a signed-in person's role."""
from dataclasses import dataclass

from rest_framework.permissions import BasePermission

from audit.acting import Acting, source_of
from audit.api.authentication import ApiKeyPrincipal
from audit.services.access import record_denied


@dataclass(frozen=True)
class Caller:
    organization: object
    acting: Acting


def caller_of(request) -> Caller | None:
    """The organization the request acts for and how to record it; None for a person without a membership."""
    user = request.user
    if isinstance(user, ApiKeyPrincipal):
        key = user.key
        actor = {"kind": "api_client", "id": key.actor_id, "name": key.name}
        return Caller(user.organization, Acting(actor=actor, recorded_via=key.actor_id, source=source_of(request)))
    membership = getattr(request, "membership", None)
    if not membership:
        return None
    return Caller(membership.organization, Acting.for_user(user, request))


def _allowed(request, view) -> bool:
    user = request.user
    if isinstance(user, ApiKeyPrincipal):
        return user.key.has_scope(view.required_scope)
    membership = getattr(request, "membership", None)
    return bool(membership) and membership.role in view.session_roles


class ScopeOrRole(BasePermission):
    """A key needs the view's `required_scope`; a session needs one of its `session_roles`.

    Refusals are recorded as `authz.denied` in the caller's organization.
    """

    message = "This key lacks the scope, or your role does not allow this."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if _allowed(request, view):
            return True
        deny(request, f"{request.method} {request.path}", f"needs {view.required_scope} (key) or role "
                                                            f"{' or '.join(view.session_roles)} (session)")
        return False


def deny(request, resource: str, reason: str) -> None:
    caller = caller_of(request)
    if caller is not None:
        record_denied(organization=caller.organization, acting=caller.acting, resource=resource, reason=reason)
