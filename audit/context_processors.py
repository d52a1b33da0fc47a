"""Template context: the current organization and the person's role in it."""


def organization(request):
    membership = getattr(request, "membership", None)
    if membership is None or not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"current_membership": None, "current_organization": None}
    return {"current_membership": membership,
            "current_organization": membership.organization if membership else None}
