"""Attaches the signed-in person's current organization and membership to each request."""
from django.utils.functional import SimpleLazyObject

SESSION_KEY = "organization_id"


def current_membership(request):
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = user.memberships.select_related("organization").order_by("organization__name")
    chosen = request.session.get(SESSION_KEY)
    if chosen is not None:
        membership = memberships.filter(organization_id=chosen).first()
        if membership:
            return membership
    return memberships.first()


class CurrentOrganizationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = SimpleLazyObject(lambda: current_membership(request))
        return self.get_response(request)
