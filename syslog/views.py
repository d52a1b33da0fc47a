"""The system log, webhooks and email server pages: for an organization's admins (superusers: the deployment)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.acting import Acting
from audit.views.scope import refuse, refusing_other_organizations

from .faults import DEPLOYMENT
from .forms import PERIODS, MailServerForm, SystemLogFilterForm, WebhookForm
from .mail_settings import mail_server_of, remove_mail_server, save_mail_server
from .models import DeliveryStatus
from .retention import retention_days
from .selectors import deliveries_by_id, system_log_page, webhooks_for
from .webhooks import (
    MAX_ENDPOINTS_PER_ORGANIZATION,
    NotResendable,
    WebhookLimitReached,
    create_webhook,
    delete_webhook,
    resend_delivery,
)

PAGE_SIZE = 50
ADMINS_ONLY = "only admins of the organization read the system log and manage webhooks"


def _admin_membership(request):
    membership = getattr(request, "membership", None)
    return membership if membership and membership.is_admin else None


def _scope(request):
    """(organization or None, organization_id): a superuser may read the deployment's own entries (0)."""
    membership = _admin_membership(request)
    if request.user.is_superuser and (request.GET.get("scope") == "deployment" or membership is None):
        return None, DEPLOYMENT
    return (membership.organization, membership.organization_id) if membership else (None, None)


@login_required
@refusing_other_organizations
def system_log(request):
    organization, organization_id = _scope(request)
    if organization_id is None:
        return refuse(request, reason=ADMINS_ONLY)
    form = SystemLogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    period = PERIODS.get(filters.get("period") or "7d")
    since = timezone.now() - period if period else None
    entries = system_log_page(organization_id, kind=filters.get("kind"), severity=filters.get("severity"),
                              since=since)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    resendable = deliveries_by_id(organization_id, [e.details.get("delivery") for e in page
                                                    if e.kind == "webhook.abandoned"], DeliveryStatus.ABANDONED)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "syslog/log.html", {
        "form": form, "page": page, "organization": organization, "deployment": organization is None,
        "resendable": resendable, "query": query.urlencode(), "is_superuser": request.user.is_superuser,
        "retention": retention_days(organization_id) if organization else None})


@login_required
@refusing_other_organizations
@require_POST
def resend(request, delivery_id):
    membership = _admin_membership(request)
    if membership is None:
        return refuse(request, reason=ADMINS_ONLY)
    delivery = deliveries_by_id(membership.organization_id, [delivery_id]).get(str(delivery_id))
    if delivery is None:
        return refuse(request, reason="that delivery is not one of this organization's", status=404)
    try:
        resend_delivery(delivery=delivery, organization=membership.organization,
                        acting=Acting.for_user(request.user, request))
        messages.success(request, f"Delivery {delivery.webhook_id} is queued again; its attempts appear here.")
    except NotResendable as refused:
        messages.error(request, str(refused))
    return redirect("system:log")


def _webhooks_page(request, membership, form, new_endpoint=None, status=200):
    return render(request, "syslog/webhooks.html", {
        "organization": membership.organization, "webhooks": webhooks_for(membership.organization),
        "form": form, "new_endpoint": new_endpoint, "limit": MAX_ENDPOINTS_PER_ORGANIZATION}, status=status)


@login_required
@refusing_other_organizations
def webhooks(request):
    membership = _admin_membership(request)
    if membership is None:
        return refuse(request, reason=ADMINS_ONLY)
    if request.method != "POST":
        return _webhooks_page(request, membership, WebhookForm())
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _webhooks_page(request, membership, form, status=400)
    try:
        endpoint = create_webhook(organization=membership.organization, acting=Acting.for_user(request.user, request),
                                  **form.cleaned_data)
    except WebhookLimitReached as full:
        form.add_error(None, str(full))
        return _webhooks_page(request, membership, form, status=400)
    # Rendered, not redirected: the signing secret is shown in this response only.
    response = _webhooks_page(request, membership, WebhookForm(), new_endpoint=endpoint)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@refusing_other_organizations
@require_POST
def webhook_delete(request, pk):
    membership = _admin_membership(request)
    if membership is None:
        return refuse(request, reason=ADMINS_ONLY)
    endpoint = webhooks_for(membership.organization).filter(pk=pk).first()
    if endpoint is None:
        return refuse(request, reason="that webhook is not one of this organization's", status=404)
    delete_webhook(endpoint=endpoint, organization=membership.organization,
                   acting=Acting.for_user(request.user, request))
    messages.success(request, f"Deleted the webhook to {endpoint.url}; its pending deliveries are dropped.")
    return redirect("system:webhooks")


@login_required
@refusing_other_organizations
def email_server(request):
    membership = _admin_membership(request)
    if membership is None:
        return refuse(request, reason=ADMINS_ONLY)
    organization = membership.organization
    current = mail_server_of(organization)
    acting = Acting.for_user(request.user, request)
    if request.method == "POST" and request.POST.get("remove"):
        remove_mail_server(organization=organization, acting=acting)
        messages.success(request, "Email now goes through Trailproof's own provider.")
        return redirect("system:email")
    form = MailServerForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in ("host", "port", "security", "username", "from_email")}
        save_mail_server(organization=organization, values=values,
                         password=form.cleaned_data["password"] or None, acting=acting)
        messages.success(request, "Saved. Email of this organization now goes through this server.")
        return redirect("system:email")
    return render(request, "syslog/email_server.html", {
        "form": form, "current": current, "organization": organization},
        status=400 if request.method == "POST" else 200)
