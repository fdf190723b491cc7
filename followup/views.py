from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from feedback_platform.roles import cases_required

from .selectors import get_case_for_user, queue_for


@login_required
@cases_required
def queue(request):
    """Open cases by priority, then by the first-response due time."""
    page = Paginator(queue_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "followup/queue.html", {"page": page})


@login_required
@cases_required
def case_detail(request, pk):
    case = get_case_for_user(request.user, pk)
    context = {"case": case, "events": case.events.select_related("actor"), "emails": case.emails.all()}
    return render(request, "followup/case_detail.html", context)
