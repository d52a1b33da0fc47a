"""Sign-in, sign-out and password pages; password changes and resets are recorded."""
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from ..acting import Acting
from ..services.recording import record_action


def _record_for_user(user, action, request, **fields):
    acting = Acting.for_user(user, request)
    for membership in user.memberships.select_related("organization"):
        record_action(membership.organization, action, acting, **fields)


def _log_password_reset(user, kind, message):
    from syslog.services import log_system_event

    for membership in user.memberships.all():
        log_system_event(organization_id=membership.organization_id, kind=kind, severity="info",
                         message=message, details={"user": f"user:{user.pk}"})


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        _record_for_user(self.request.user, "auth.password_changed", self.request)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        for user in get_user_model().objects.filter(email__iexact=email, is_active=True):
            _record_for_user(user, "auth.password_reset_requested", self.request)
            _log_password_reset(user, "password_reset.requested", f"Password reset requested for {user}")
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        _record_for_user(user, "auth.password_reset_completed", self.request)
        _log_password_reset(user, "password_reset.completed", f"Password reset completed for {user}")
        return response


@login_required
def home(request):
    membership = request.membership
    if membership and membership.can_investigate:
        return redirect("audit:trail")
    if membership:  # managers and members land on what happened in their runs
        return redirect("activity:stream")
    return render(request, "home.html", {"membership": membership})
