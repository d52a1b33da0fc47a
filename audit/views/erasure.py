"""The erasure page: an organization's admins erase a person's personal data, giving the legal basis."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from ..acting import Acting
from ..models import Actor, Erasure
from ..services.erasure import MAX_BASIS, erase_person
from .scope import refuse, refusing_other_organizations


class ErasureForm(forms.Form):
    actor = forms.CharField(label="Actor id of the person", max_length=200,
                            help_text="As shown on their actor page, like user:42 or u-100.")
    legal_basis = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=MAX_BASIS,
                                  help_text="For example: GDPR art. 17(1)(a), request of 2026-11-02, ticket 7781.")
    confirm = forms.BooleanField(label="I understand the name, email, IP addresses and user agents cannot be "
                                       "recovered; the events stay.")


def _page(request, organization, form, status=200):
    erasures = Erasure.objects.filter(organization=organization).select_related("actor", "event")[:50]
    return render(request, "audit/retention/erasure.html", {
        "organization": organization, "form": form, "erasures": erasures}, status=status)


@login_required
@refusing_other_organizations
def erasure(request):
    membership = getattr(request, "membership", None)
    if not (membership and membership.is_admin):
        return refuse(request, reason="only admins of the organization erase personal data")
    organization = membership.organization
    if request.method != "POST":
        return _page(request, organization, ErasureForm())
    form = ErasureForm(request.POST)
    if not form.is_valid():
        return _page(request, organization, form, status=400)
    actor = Actor.objects.filter(organization=organization, external_id=form.cleaned_data["actor"].strip(),
                                 kind="user").first()
    if actor is None:
        form.add_error("actor", "No person with this actor id in the organization.")
        return _page(request, organization, form, status=400)
    try:
        done = erase_person(organization=organization, actor=actor, legal_basis=form.cleaned_data["legal_basis"],
                            acting=Acting.for_user(request.user, request))
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return _page(request, organization, form, status=400)
    messages.success(request, f"Erased: the person now appears as {done.pseudonym} in {done.events_redacted} "
                              "redacted events; the chain still verifies.")
    return redirect("settings:erasure")
