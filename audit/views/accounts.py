"""Sign-in, sign-out and password pages; password changes and resets are recorded, resets are rate limited."""
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy

from ..acting import Acting, source_of
from ..rate_limits import within_limit
from ..selectors import organizations_visible_to
from ..services.recording import record_action

logger = logging.getLogger("trailproof.auth")


def _record_for_user(user, action, request, **fields):
    acting = Acting.for_user(user, request)
    for membership in user.memberships.select_related("organization"):
        record_action(membership.organization, action, acting, **fields)


def reset_allowed(request, email: str) -> bool:
    """Within the per-address and the per-account limit; a refusal is logged for operators, without the email."""
    limits = settings.TRAILPROOF_PASSWORD_RESET_LIMITS
    address = (source_of(request) or {}).get("ip") or "unknown"
    if not within_limit("password-reset-address", address, limit=limits["address"][0], window=limits["address"][1]):
        logger.warning("Password reset requests from %s are over the limit; not sent, not recorded", address)
        return False
    if not within_limit("password-reset-account", email.strip().lower(), limit=limits["account"][0],
                        window=limits["account"][1]):
        logger.warning("Password reset requests for one account are over the limit; not sent, not recorded")
        return False
    return True


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        with transaction.atomic():  # the new password and its audit event commit together, or neither
            response = super().form_valid(form)
            _record_for_user(self.request.user, "auth.password_changed", self.request)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if not reset_allowed(self.request, email):
            # Answered exactly as an accepted request, so the limit tells nothing about the account.
            return HttpResponseRedirect(self.get_success_url())
        for user in get_user_model().objects.filter(email__iexact=email, is_active=True):
            _record_for_user(user, "auth.password_reset_requested", self.request)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            _record_for_user(form.user, "auth.password_reset_completed", self.request)
        return response


@login_required
def home(request):
    membership = request.membership
    if membership and membership.can_investigate:
        return redirect("audit:trail")
    if not membership and request.user.is_superuser:
        return render(request, "audit/choose_organization.html",
                      {"organizations": organizations_visible_to(request.user), "target": reverse("audit:trail")})
    if membership:  # managers and members land on what happened in their runs
        return redirect("activity:stream")
    return render(request, "home.html", {"membership": membership})
