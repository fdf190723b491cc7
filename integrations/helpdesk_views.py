"""Admins' helpdesk pages (the connections, a connection's form and its "test connection"), and the webhook
the helpdesk tells a ticket's status to. A module of its own beside the webhook pages of views.py."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from feedback_platform.activity import Actor

from . import helpdesk, ticketing
from .forms import HelpdeskConnectionForm
from .models import HelpdeskConnection

MANAGE = "integrations.change_helpdeskconnection"


def admins_only(view):
    return login_required(permission_required(MANAGE, raise_exception=True)(view))


@admins_only
def connections(request):
    rows = HelpdeskConnection.objects.select_related("team")
    return render(request, "integrations/helpdesk.html", {"connections": rows})


@admins_only
def edit_connection(request, pk=None):
    connection = get_object_or_404(HelpdeskConnection, pk=pk) if pk else None
    form = HelpdeskConnectionForm(request.POST or None, instance=connection)
    if request.method == "POST" and form.is_valid():
        try:
            saved = ticketing.save_connection(actor=Actor.from_request(request), connection=form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Helpdesk connection saved."))
            return redirect("integrations:helpdesk_edit", saved.pk)
    context = {"form": form, "connection": connection, "events_url": _events_url(connection)}
    return render(request, "integrations/helpdesk_form.html", context, status=400 if form.errors else 200)


@admins_only
@require_POST
def test_connection(request, pk):
    connection = get_object_or_404(HelpdeskConnection, pk=pk)
    ok, said = ticketing.check_connection(connection=connection)
    (messages.success if ok else messages.error)(request, said)
    return redirect("integrations:helpdesk_edit", connection.pk)


def _events_url(connection: HelpdeskConnection | None) -> str:
    """Where the helpdesk posts statuses: the site's public address (SITE_URL), as the emails' links are."""
    if connection is None:
        return ""
    return settings.SITE_URL + reverse("integrations:helpdesk_events", args=[connection.pk])


@csrf_exempt  # the helpdesk posts without our cookie; its signature (checked by the adapter) authenticates it
@require_POST
def status_events(request, pk):
    """A ticket's new status: 200 once recorded (again: recorded false), 401/403 unsigned, 400 the body's
    problem named, 404 a connection or ticket we do not have. JSON either way, for the helpdesk's log."""
    connection = HelpdeskConnection.objects.filter(pk=pk).first()
    if connection is None:
        return JsonResponse({"error": "no such helpdesk connection"}, status=404)
    try:
        event = helpdesk.adapter_for(connection).parse_status_webhook(request)
    except helpdesk.EventRefused as refused:
        return JsonResponse({"error": str(refused)}, status=refused.status)
    try:
        case, recorded = ticketing.receive_status(connection=connection, event=event)
    except ticketing.UnknownTicket as unknown:
        return JsonResponse({"error": str(unknown)}, status=404)
    return JsonResponse({"case": case.pk, "ticket": event.ticket_id, "status": event.status, "recorded": recorded})
