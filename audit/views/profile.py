"""Each person's own profile: the time zone every page shows times in (stored values stay UTC)."""
import zoneinfo
from functools import cache

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ..models import User


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(choices=time_zone_choices, help_text="Times on every page are shown in this zone.")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, initial={"time_zone": request.user.time_zone})
    if request.method == "POST" and form.is_valid():
        User.objects.filter(pk=request.user.pk).update(time_zone=form.cleaned_data["time_zone"])
        messages.success(request, f"Times are now shown in {form.cleaned_data['time_zone']}.")
        return redirect("profile")
    return render(request, "profile.html", {"form": form}, status=400 if form.errors else 200)
