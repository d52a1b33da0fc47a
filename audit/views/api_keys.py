"""The API keys page: an organization's admins create keys (shown once), see when they were used, revoke them."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..acting import Acting
from ..models import SCOPES
from ..services.api_keys import api_keys_of, create_api_key, revoke_api_key
from .scope import refuse, refusing_other_organizations

SCOPE_HELP = {
    "events:write": "send events", "events:read": "read events, actors, run activity and integrity",
    "export": "download exports", "syslog:read": "read the system log", "webhooks:manage": "manage webhooks",
}


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the key is for, like “Workflow platform”.")
    scopes = forms.MultipleChoiceField(choices=[(s, f"{s}: {SCOPE_HELP[s]}") for s in SCOPES],
                                       widget=forms.CheckboxSelectMultiple)


def _admin_membership(request):
    membership = getattr(request, "membership", None)
    return membership if membership and membership.is_admin else None


def _page(request, membership, form, new_key=None, status=200):
    return render(request, "audit/api_keys/list.html", {
        "keys": api_keys_of(membership.organization), "form": form, "new_key": new_key,
        "organization": membership.organization}, status=status)


@login_required
@refusing_other_organizations
def api_keys(request):
    membership = _admin_membership(request)
    if membership is None:
        return refuse(request, reason="only admins of the organization manage API keys")
    if request.method != "POST":
        return _page(request, membership, ApiKeyForm())
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _page(request, membership, form, status=400)
    new = create_api_key(organization=membership.organization, name=form.cleaned_data["name"],
                         scopes=form.cleaned_data["scopes"], acting=Acting.for_user(request.user, request),
                         created_by=request.user)
    # Rendered, not redirected: the plain key exists only in this response.
    response = _page(request, membership, ApiKeyForm(), new_key=new)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@refusing_other_organizations
@require_POST
def revoke(request, pk):
    membership = _admin_membership(request)
    if membership is None:
        return refuse(request, reason="only admins of the organization manage API keys")
    key = api_keys_of(membership.organization).filter(pk=pk).first()
    if key is None:
        return refuse(request, reason="that API key is not one of this organization's", status=404)
    revoke_api_key(key=key, acting=Acting.for_user(request.user, request))
    messages.success(request, f"Revoked {key.name} ({key.prefix}…). Requests with it now answer 401.")
    return redirect("settings:api-keys")
