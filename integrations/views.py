"""Admins' webhook pages: the endpoints, an endpoint's form, its delivery log with "send again"; and the Slack
pages: every team's channel, a team's channel form with its test button and delivery log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from feedback_platform.activity import Actor
from followup.models import Team

from . import services
from . import slack as slack_services
from .forms import SlackChannelForm, WebhookEndpointForm
from .models import SlackChannel, WebhookAttempt, WebhookDelivery, WebhookEndpoint

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


@admins_only
@require_POST
def pause(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    services.pause_endpoint(actor=Actor.from_request(request), endpoint=endpoint, reason="")
    messages.success(request, _("The endpoint is paused: it receives no events until it is resumed."))
    return redirect("integrations:webhook_deliveries", endpoint.pk)


@admins_only
@require_POST
def delete(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    services.delete_endpoint(actor=Actor.from_request(request), endpoint=endpoint)
    messages.success(request, _("The endpoint is deleted with its secret and its delivery log."))
    return redirect("integrations:webhooks")


SLACK = "integrations.change_slackchannel"
#: Deliveries shown on a team's Slack page (the newest first), and on the overview per team.
SLACK_LOG_LENGTH = 50
SLACK_OVERVIEW_LENGTH = 3


def slack_admins_only(view):
    return login_required(permission_required(SLACK, raise_exception=True)(view))


@slack_admins_only
def slack(request):
    """Every team with its channel (or none yet) and the channel's last messages."""
    channels = {channel.team_id: channel for channel in SlackChannel.objects.select_related("team")}
    rows = []
    for team in Team.objects.order_by("name"):  # a query per connected team: a deployment has a handful
        channel = channels.get(team.pk)
        recent = channel.deliveries.order_by("-created_at", "-pk")[:SLACK_OVERVIEW_LENGTH] if channel else []
        rows.append((team, channel, recent))
    return render(request, "integrations/slack.html", {"rows": rows})


@slack_admins_only
def slack_channel(request, team_pk):
    """A team's channel: the form that connects or changes it, its buttons and its delivery log."""
    team = get_object_or_404(Team, pk=team_pk)
    channel = SlackChannel.objects.filter(team=team).first()
    form = SlackChannelForm(request.POST or None, channel=channel)
    if request.method == "POST" and form.is_valid():
        try:
            slack_services.save_channel(
                actor=Actor.from_request(request), channel=form.apply(channel or SlackChannel(team=team))
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Slack channel saved. Send a test message to check it."))
            return redirect("integrations:slack_channel", team.pk)
    deliveries = channel.deliveries.order_by("-created_at", "-pk")[:SLACK_LOG_LENGTH] if channel else []
    context = {"team": team, "channel": channel, "form": form, "deliveries": deliveries}
    return render(request, "integrations/slack_channel.html", context, status=400 if form.errors else 200)


def _channel_action(request, team_pk, act) -> HttpResponse:
    channel = get_object_or_404(SlackChannel, team_id=team_pk)
    try:
        done = act(Actor.from_request(request), channel)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("integrations:slack_channel", team_pk)


@slack_admins_only
@require_POST
def slack_test(request, team_pk):
    def act(actor, channel):
        slack_services.send_test_message(actor=actor, channel=channel)
        return _("A test message is on its way; its result is in the log below.")

    return _channel_action(request, team_pk, act)


@slack_admins_only
@require_POST
def slack_pause(request, team_pk):
    def act(actor, channel):
        slack_services.pause_channel(actor=actor, channel=channel, reason="")  # the page says an admin did it
        return _("The channel is paused: nothing is posted to it until it is resumed.")

    return _channel_action(request, team_pk, act)


@slack_admins_only
@require_POST
def slack_resume(request, team_pk):
    def act(actor, channel):
        slack_services.resume_channel(actor=actor, channel=channel)
        return _("The channel receives notifications again.")

    return _channel_action(request, team_pk, act)


@slack_admins_only
@require_POST
def slack_remove(request, team_pk):
    channel = get_object_or_404(SlackChannel, team_id=team_pk)
    slack_services.remove_channel(actor=Actor.from_request(request), channel=channel)
    messages.success(request, _("The team's Slack channel is disconnected and its URL forgotten."))
    return redirect("integrations:slack")
