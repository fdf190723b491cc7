"""Contacts for managers: the list with search, and the CSV / XLSX import with its per-row report."""

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from feedback_platform.textfiles import SpreadsheetField, UnreadableFile

from .contacts_import import import_contacts
from .models import Contact

MAX_CONTACTS_FILE = 20 * 1024 * 1024


class ContactImportForm(forms.Form):
    file = SpreadsheetField(max_bytes=MAX_CONTACTS_FILE, too_large=gettext_lazy("The file is larger than 20 MB."))


@login_required
@permission_required("surveys.view_contact", raise_exception=True)
@require_http_methods(["GET", "HEAD", "POST"])
def contact_list(request):
    """Contacts, newest first, searchable by name, email or external id; managers import files here."""
    query = request.GET.get("q", "").strip()
    contacts = Contact.objects.filter(archived_at__isnull=True).order_by("-created_at")
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
                report = import_contacts(upload.read(), upload.name)
            except UnreadableFile as error:
                form.add_error("file", str(error))
        status = 200 if report else 400
    context = {"page": page, "query": query, "form": form, "report": report}
    return render(request, "surveys/contacts.html", context, status=status)
