"""The legal holds page: admins and compliance officers hold the organization or one actor, and release holds."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..acting import Acting
from ..models import Actor
from ..selectors import legal_holds_of
from ..services.holds import MAX_REASON, place_legal_hold, release_legal_hold
from .scope import refuse, refusing_other_organizations


class LegalHoldForm(forms.Form):
    actor = forms.CharField(label="Actor id", required=False, max_length=200,
                            help_text="Empty: hold the whole organization. Otherwise the actor id, like user:42.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=MAX_REASON,
                             help_text="The matter, case number or request that requires keeping the records.")

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_actor(self):
        actor_id = self.cleaned_data["actor"].strip()
        if not actor_id:
            return None
        actor = Actor.objects.filter(organization=self.organization, external_id=actor_id).first()
        if actor is None:
            raise ValidationError("No actor with this id in the organization.")
        return actor


def _holder(request):
    membership = getattr(request, "membership", None)
    return membership if membership and membership.can_investigate else None


def _page(request, organization, form, status=200):
    return render(request, "audit/retention/holds.html", {
        "organization": organization, "form": form, "holds": legal_holds_of(organization)}, status=status)


@login_required
@refusing_other_organizations
def legal_holds(request):
    membership = _holder(request)
    if membership is None:
        return refuse(request, reason="only admins and compliance officers place legal holds")
    organization = membership.organization
    if request.method != "POST":
        return _page(request, organization, LegalHoldForm(organization=organization))
    form = LegalHoldForm(request.POST, organization=organization)
    if not form.is_valid():
        return _page(request, organization, form, status=400)
    place_legal_hold(organization=organization, actor=form.cleaned_data["actor"], reason=form.cleaned_data["reason"],
                     acting=Acting.for_user(request.user, request))
    messages.success(request, "Legal hold placed: the records it covers will not be purged or erased.")
    return redirect("settings:legal-holds")


@login_required
@refusing_other_organizations
@require_POST
def release(request, pk):
    membership = _holder(request)
    if membership is None:
        return refuse(request, reason="only admins and compliance officers release legal holds")
    hold = legal_holds_of(membership.organization).filter(pk=pk).first()
    if hold is None:
        return refuse(request, reason="that legal hold is not one of this organization's", status=404)
    try:
        release_legal_hold(hold=hold, reason=request.POST.get("reason", ""),
                           acting=Acting.for_user(request.user, request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _page(request, membership.organization, LegalHoldForm(organization=membership.organization),
                     status=400)
    messages.success(request, "Legal hold released: its records follow the retention policy again.")
    return redirect("settings:legal-holds")
