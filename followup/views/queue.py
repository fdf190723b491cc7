from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from feedback_platform.roles import cases_required
from reviews.models import ChurnIntent

from .. import cases
from ..forms import BulkForm
from ..models import Case, CaseStatus
from ..selectors import queue_for, queue_page
from .common import safe_next

PAGE_SIZE = 50
# the churn kinds a queue can be filtered on (not "none"), by their names
CHURN_INTENTS = [ChurnIntent.LEAVING, ChurnIntent.LOOKING, ChurnIntent.DISAPPOINTED, ChurnIntent.VENTING]


@login_required
@cases_required
def queue(request):
    """Open cases by priority, then SLA due time. htmx polls it for the rows alone."""
    filtered = queue_for(request.user, request.GET, request=request)
    page = queue_page(filtered, request.GET.get("page"), _page_size(request))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "filter": filtered,
        "querystring": params.urlencode(),
        "statuses": CaseStatus,
        "select_fields": [filtered.form[name] for name in ("segment", "kind", "survey", "topic")],
        "churn_intents": [(intent.value, intent.label) for intent in CHURN_INTENTS],
        "quick_flags": [
            ("mine", _("Mine")),
            ("unassigned", _("Unassigned")),
            ("my_team", _("My team")),
            ("overdue", _("Overdue")),
        ],
    }
    template = "followup/fragment_queue_rows.html" if request.htmx else "followup/queue.html"
    return render(request, template, context)


def _page_size(request) -> int:
    try:
        return max(1, min(500, int(request.GET.get("size", PAGE_SIZE))))
    except ValueError:
        return PAGE_SIZE


@login_required
@cases_required
@require_POST
def bulk(request):
    """Assign, change status or mark spam for the selected cases the user may see."""
    if not request.user.has_perm("followup.change_case"):
        raise PermissionDenied
    form = BulkForm(request.POST)
    back = safe_next(request, "followup:queue")
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    selected = Case.objects.visible_to(request.user).filter(pk__in=form.cleaned_data["cases"])
    done, failed = 0, []
    for case in selected:
        try:
            _apply(form.cleaned_data, case, request.user)
            done += 1
        except (ValidationError, PermissionDenied) as error:
            failed.append(f"#{case.pk}: {' '.join(getattr(error, 'messages', [str(error) or _('not allowed')]))}")
    messages.success(request, ngettext("%(n)d case updated.", "%(n)d cases updated.", done) % {"n": done})
    if failed:
        messages.warning(request, "; ".join(failed))
    return redirect(back)


def _apply(data, case, user):
    if data["action"] == "assign_me":
        cases.claim_case(case=case, user=user)
    elif data["action"] == "spam":
        cases.change_status(case=case, status=CaseStatus.SPAM, actor=user)
    else:
        cases.change_status(case=case, status=data["status"], actor=user)
