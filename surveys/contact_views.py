"""Contacts for managers: the list with search, and the CSV / XLSX import with its per-row report."""

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from feedback_platform.activity import Actor
from feedback_platform.textfiles import CONTACT_FILES, SpreadsheetField, UnreadableFile, encoding_field

from .editing import import_contact_file
from .models import Contact, Invitation, InvitationStatus


class ContactImportForm(forms.Form):
    file = SpreadsheetField(limit=CONTACT_FILES)
    encoding = encoding_field()


def with_failed_invitations(contacts):
    """Each contact with how many invitations the mail server refused for good, and the last refusal."""
    failed = Invitation.objects.filter(contact=OuterRef("pk"), status=InvitationStatus.FAILED).order_by("-pk")
    return contacts.annotate(
        failed_invitations=Count("invitations", filter=Q(invitations__status=InvitationStatus.FAILED)),
        last_failure=Subquery(failed.values("last_error")[:1]),
    )


@login_required
@permission_required("surveys.change_contact", raise_exception=True)  # managing every contact: managers
@require_http_methods(["GET", "HEAD", "POST"])
def contact_list(request):
    """Contacts, newest first, searchable by name, email or external id; managers import files here."""
    query = request.GET.get("q", "").strip()
    contacts = with_failed_invitations(Contact.objects.filter(archived_at__isnull=True).order_by("-created_at"))
    if query:
        contacts = contacts.filter(Q(name__icontains=query) | Q(email__icontains=query) | Q(external_id=query))
    page = Paginator(contacts, 50).get_page(request.GET.get("page"))
    form, report, status = ContactImportForm(), None, 200
    if request.method == "POST":
        if not request.user.has_perm("surveys.add_contact"):
            raise PermissionDenied
        form = ContactImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = import_contact_file(
                    actor=Actor.from_request(request),
                    data=upload.read(),
                    filename=upload.name,
                    encoding=form.cleaned_data["encoding"] or "detect",
                )
            except UnreadableFile as error:
                form.add_error("file", str(error))
        status = 200 if report else 400
    context = {"page": page, "query": query, "form": form, "report": report}
    return render(request, "surveys/contacts.html", context, status=status)
