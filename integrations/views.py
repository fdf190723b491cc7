"""Admins' webhook pages: the endpoints, an endpoint's form, its delivery log with "send again"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from feedback_platform.activity import Actor

from . import services
from .forms import WebhookEndpointForm
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

MANAGE = "integrations.change_webhookendpoint"
#: Deliveries shown on an endpoint's log (the newest first).
LOG_LENGTH = 100


def admins_only(view):
    return login_required(permission_required(MANAGE, raise_exception=True)(view))


@admins_only
def webhooks(request):
    # A query per endpoint: a deployment has a handful of them.
    rows = [
        (endpoint, endpoint.deliveries.order_by("-created_at", "-pk")[:3]) for endpoint in WebhookEndpoint.objects.all()
    ]
    return render(request, "integrations/webhooks.html", {"rows": rows})


@admins_only
def edit_webhook(request, pk=None):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk) if pk else None
    form = WebhookEndpointForm(request.POST or None, instance=endpoint)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_endpoint(actor=Actor.from_request(request), endpoint=form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Webhook saved."))
            return redirect("integrations:webhook_deliveries", saved.pk)
    context = {"form": form, "endpoint": endpoint}
    return render(request, "integrations/webhook_form.html", context, status=400 if form.errors else 200)


@admins_only
def webhook_deliveries(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    deliveries = endpoint.deliveries.order_by("-created_at", "-pk").prefetch_related(
        Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("-attempted_at", "-pk"))
    )[:LOG_LENGTH]
    return render(request, "integrations/webhook_deliveries.html", {"endpoint": endpoint, "deliveries": deliveries})


@admins_only
@require_POST
def resend(request, pk):
    row = get_object_or_404(WebhookDelivery, pk=pk)
    try:
        services.resend_delivery(actor=Actor.from_request(request), delivery_row=row)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The delivery is queued again."))
    return redirect("integrations:webhook_deliveries", row.endpoint_id)


@admins_only
@require_POST
def resume(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    services.resume_endpoint(actor=Actor.from_request(request), endpoint=endpoint)
    messages.success(request, _("The endpoint receives events again."))
    return redirect("integrations:webhook_deliveries", endpoint.pk)
