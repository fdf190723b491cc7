"""A contact's page for managers: what the product holds on them, the data download and (admins) erasure."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Count
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feedback_platform.activity import Actor
from feedback_platform.visibility import visible_to

from .contacts import parse_tags, tag_problem
from .editing import tag_contact
from .models import Contact, normalized_email
from .person_data import erase_contact, export_contact, export_filename

#: Erasing is for admins (`surveys.delete_contact`, which managers do not hold): it cannot be undone.
ERASE_PERMISSION = "surveys.delete_contact"
EXPORT_PERMISSION = "surveys.change_contact"  # managing every contact: managers and admins


#: The erasers' registry names as the result page shows them (a name not here, e.g. a new app's, as it is).
PART_LABELS = {
    "integrations": _("Integrations"),
    "followup": _("Cases and emails"),
    "reviews": _("Feedback"),
    "surveys": _("Surveys"),
    "admin_log": _("Admin log"),
    "activity": _("Activity log"),
}


def get_contact_for_user(request, pk: int) -> Contact:
    return get_object_or_404(visible_to(request.user, Contact.objects.all()), pk=pk)


def zip_response(*, contact: Contact, actor: Actor) -> StreamingHttpResponse:
    response = StreamingHttpResponse(export_contact(contact=contact, actor=actor), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(contact)}"'
    return response


@login_required
@permission_required(EXPORT_PERMISSION, raise_exception=True)
@require_GET
def contact_detail(request, pk: int):
    contact = get_contact_for_user(request, pk)
    counts = Contact.objects.filter(pk=contact.pk).aggregate(
        answers=Count("answers", distinct=True), invitations=Count("invitations", distinct=True)
    )
    tags_text = ", ".join(contact.tags.values_list("name", flat=True))
    return render(
        request, "surveys/contact_detail.html", {"contact": contact, "counts": counts, "tags_text": tags_text}
    )


@login_required
@permission_required(EXPORT_PERMISSION, raise_exception=True)
@require_POST
def contact_tags(request, pk: int):
    """Replace the contact's tags with those typed, separated by commas."""
    contact = get_contact_for_user(request, pk)
    names = parse_tags(request.POST.get("tags", ""))
    problem = tag_problem(names)
    if problem:
        counts = {"answers": contact.answers.count(), "invitations": contact.invitations.count()}
        context = {
            "contact": contact,
            "counts": counts,
            "tags_text": request.POST.get("tags", ""),
            "tag_error": problem,
        }
        return render(request, "surveys/contact_detail.html", context, status=400)
    tag_contact(actor=Actor.from_request(request), contact=contact, names=names)
    messages.success(request, _("Tags saved."))
    return redirect("surveys:contact", pk=contact.pk)


@login_required
@permission_required(EXPORT_PERMISSION, raise_exception=True)
@require_GET
def contact_export(request, pk: int):
    return zip_response(contact=get_contact_for_user(request, pk), actor=Actor.from_request(request))


class EraseForm(forms.Form):
    confirm_email = forms.CharField(label=_("Type the contact's email to confirm"), max_length=254)

    def __init__(self, *args, contact: Contact, **kwargs):
        super().__init__(*args, **kwargs)
        self.contact = contact

    def clean_confirm_email(self) -> str:
        typed = self.cleaned_data["confirm_email"]
        if normalized_email(typed) != normalized_email(self.contact.email):
            raise forms.ValidationError(_("This is not the contact's email: nothing was erased."))
        return typed


@login_required
@permission_required(ERASE_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "HEAD", "POST"])
def contact_erase(request, pk: int):
    contact = get_contact_for_user(request, pk)
    form = EraseForm(request.POST or None, contact=contact)
    if request.method == "POST" and form.is_valid():
        contact_id = contact.pk
        counts = erase_contact(contact=contact, actor=Actor.from_request(request))
        parts = [(PART_LABELS.get(name, name), count) for name, count in counts.items()]
        return render(request, "surveys/contact_erased.html", {"contact_id": contact_id, "parts": parts})
    status = 400 if request.method == "POST" else 200
    return render(request, "surveys/contact_erase.html", {"contact": contact, "form": form}, status=status)
