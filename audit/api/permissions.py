"""Who may call an endpoint: a key with the endpoint's scope, or a signed-in investigator for reads.

Every refusal where the organization is known is recorded as `authz.denied`.
"""
from rest_framework import permissions

from ..acting import Acting
from ..models import Organization
from ..services.access import record_denied
from .authentication import ApiKeyPrincipal, key_acting

# What a signed-in person's role lets them do through the API: investigators read, export and read the
# system log; admins also manage webhooks.
SESSION_SCOPES = {"compliance_officer": {"events:read", "export", "syslog:read"},
                  "admin": {"events:read", "export", "syslog:read", "webhooks:manage"}}


def organization_of(request) -> Organization | None:
    if isinstance(request.user, ApiKeyPrincipal):
        return request.user.organization
    membership = getattr(request, "membership", None)
    return membership.organization if membership else None


def acting_of(request) -> Acting:
    if isinstance(request.user, ApiKeyPrincipal):
        return key_acting(request.user.key, request)
    return Acting.for_user(request.user, request)


def refuse(request, resource: str, reason: str) -> None:
    organization = organization_of(request)
    if organization is not None:
        record_denied(organization=organization, acting=acting_of(request), resource=resource, reason=reason)


class HasScope(permissions.BasePermission):
    """The view names its `required_scope`."""

    def has_permission(self, request, view):
        if request.user is None or not request.user.is_authenticated:
            return False
        scope = view.required_scope
        if isinstance(request.user, ApiKeyPrincipal):
            allowed = request.user.key.has_scope(scope)
            self.message = f"This API key lacks the scope {scope}."
        else:
            membership = getattr(request, "membership", None)
            allowed = bool(membership) and scope in SESSION_SCOPES.get(membership.role, set())
            self.message = "Your role in this organization does not allow this."
        if not allowed:
            refuse(request, f"api:{request.method} {request.path}"[:200], self.message)
        return allowed
