"""The case page and its actions. Every action is checked on the server: scope (404) and role (403)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from feedback_platform.models import display_name_of
from feedback_platform.previews import store_preview
from feedback_platform.roles import cases_required

from .. import cases, outbox, recovery
from ..emails import MissingTemplate, fill, find_template
from ..forms import (
    AssignForm,
    CallForm,
    CompensationForm,
    NoteForm,
    RecoveryForm,
    ReplyForm,
    ResolveForm,
    StatusForm,
    TrollForm,
)
from ..models import EmailTemplate
from ..selectors import customer_history, get_case_for_user

#: The template the reply form starts from: it does not repeat the apology the customer already has.
REPLY_TEMPLATE = "reply"


def _forms(case, bound=None, name=None):
    """Every action form of the case page; `bound` replaces the one named `name` (to show its errors)."""
    values = _template_values(case)
    resolution = _prefill("resolution", case, values)
    forms = {
        "note": NoteForm(),
        "call": CallForm(),
        "compensation": CompensationForm(),
        "status": StatusForm(initial={"status": case.status}),
        "assign": AssignForm(team=case.team, initial={"owner": case.owner_id}),
        "reply": ReplyForm(initial=_prefill(REPLY_TEMPLATE, case, values)),
        "resolve": ResolveForm(initial=resolution),
        "troll": TrollForm(),
        "recovery": RecoveryForm(initial={"recovery_due_at": case.recovery_due_at}),
    }
    if bound is not None:
        forms[name] = bound
    return forms


def _template_values(case) -> dict:
    feedback, owner = case.feedback, case.owner
    return {
        "name": case.contact.name if case.contact else "",
        "score": feedback.score,
        "survey": feedback.survey.name if feedback.survey else "",
        "case_number": case.pk,
        "agent_name": display_name_of(owner),
    }


def _prefill(key: str, case, values: dict) -> dict:
    language = case.contact.language if case.contact else "en"
    try:
        template = find_template(key, language)
    except MissingTemplate:
        return {}
    first_email = outbox.first_email_of(case)  # a later email continues its conversation: "Re: " its subject
    subject = outbox.reply_subject(first_email.subject) if first_email else fill(template.subject, values)
    return {"subject": subject, "body": fill(template.body, values), "template": key}


@login_required
@cases_required
def case_detail(request, pk, *, bound=None, name=None, status=200, preview=None):
    case = get_case_for_user(request.user, pk)
    context = {
        "preview": preview,
        "preview_for": name if preview else None,
        "reply_template": REPLY_TEMPLATE,
        "has_display_name": bool(display_name_of(request.user)),
        "case": case,
        "events": case.events.select_related("actor"),
        "emails": case.emails.order_by("created_at"),
        "compensations": case.compensations.all(),
        "history": customer_history(case),
        "forms": _forms(case, bound, name),
        "templates": sorted(set(EmailTemplate.objects.values_list("key", flat=True))),
    }
    return render(request, "followup/case_detail.html", context, status=status)


@login_required
@cases_required
@require_GET
def reply_template(request, pk):
    """htmx: the chosen template filled for this customer, to edit before sending."""
    case = get_case_for_user(request.user, pk)
    form = ReplyForm(initial=_prefill(request.GET.get("template", ""), case, _template_values(case)))
    return render(request, "followup/fragment_reply_fields.html", {"form": form})


def case_action(form_class, name, *, previews=False):
    """A POST action on a case: scope (404), role (403), form shape (400), service rules (400).

    With `previews`, the form's email is shown exactly as it would leave: on "Preview" (nothing is sent) and
    beside a refusal."""

    def decorate(perform):
        @login_required
        @cases_required
        @require_POST
        @wraps(perform)
        def view(request, pk):
            if not request.user.has_perm("followup.change_case"):
                raise PermissionDenied
            case = get_case_for_user(request.user, pk)
            form = form_class(request.POST, team=case.team) if form_class is AssignForm else form_class(request.POST)
            if previews and request.POST.get("preview"):
                return _show_preview(request, case, form, name)
            if form.is_valid():
                try:
                    message = perform(request, case, form.cleaned_data)
                except ValidationError as error:
                    for field, errors in error.message_dict.items():
                        for text in errors:
                            form.add_error(field if field in form.fields else None, text)
                else:
                    messages.success(request, message)
                    return redirect("followup:case", pk=case.pk)
            preview = _preview(request, case, form) if previews else None
            return case_detail(request, pk, bound=form, name=name, status=400, preview=preview)

        return view

    return decorate


def _preview(request, case, form) -> dict:
    """The email the form would send, rendered by the service that sends it, with what keeps it from leaving;
    its HTML framed from /previews/ (an inline srcdoc would fall under the page's CSP)."""
    subject, body = form["subject"].value() or "", form["body"].value() or ""
    draft = cases.draft_case_email(case=case, agent=request.user, subject=subject, body=body)
    return {"draft": draft, "email_url": store_preview(user_id=request.user.pk, html=draft.email.html, kind="email")}


def _show_preview(request, case, form, name):
    """Preview: the form as typed (unbound, so no field is marked wrong yet) and the email below it."""
    shown = type(form)(initial={field: form[field].value() for field in form.fields})
    return case_detail(request, case.pk, bound=shown, name=name, preview=_preview(request, case, form))


@case_action(NoteForm, "note")
def add_note(request, case, data):
    cases.add_note(case=case, author=request.user, body=data["body"])
    return _("Note added.")


@case_action(CallForm, "call")
def log_call(request, case, data):
    cases.log_call(case=case, agent=request.user, outcome=data["outcome"], notes=data["notes"])
    return _("Call logged.")


@case_action(CompensationForm, "compensation")
def compensate(request, case, data):
    cases.record_compensation(case=case, agent=request.user, **data)
    return _("Compensation recorded.")


@case_action(StatusForm, "status")
def change_status(request, case, data):
    cases.change_status(case=case, status=data["status"], actor=request.user)
    return _("Status changed.")


@case_action(AssignForm, "assign")
def assign(request, case, data):
    cases.assign_case(case=case, owner=data["owner"], actor=request.user)
    return _("Case assigned.")


@login_required
@cases_required
@require_POST
def claim(request, pk):
    case = get_case_for_user(request.user, pk)
    try:
        case = cases.claim_case(case=case, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The case is yours."))
    if request.htmx:
        return render(request, "followup/fragment_owner.html", {"case": case})
    return redirect("followup:case", pk=case.pk)


@case_action(ReplyForm, "reply", previews=True)
def reply(request, case, data):
    cases.reply_to_customer(case=case, agent=request.user, subject=data["subject"], body=data["body"])
    return _("Reply queued for sending.")


@case_action(ResolveForm, "resolve", previews=True)
def resolve(request, case, data):
    cases.resolve_case(case=case, agent=request.user, **data)
    return _("Case resolved; the customer is told what was done.")


@case_action(TrollForm, "troll")
def mark_troll(request, case, data):
    cases.mark_troll(case=case, agent=request.user, reason=data["reason"])
    return _("Marked as troll: no more automatic replies.")


@case_action(RecoveryForm, "recovery")
def reschedule_recovery(request, case, data):
    if data["action"] == "cancel":
        recovery.cancel_recovery_survey(case=case, agent=request.user)
        return _("The re-survey is cancelled.")
    recovery.move_recovery_survey(case=case, agent=request.user, due_at=data["recovery_due_at"])
    return _("The re-survey is moved.")
