"""The one-click label corrections of the case page and the explorer (reviews.corrections does the work).

A POST names one correction (kind and value), or kind "confirm": the person agrees with every label shown.
Sent by static/js/labels.js it answers the labels fragment
(200, or 400 with the field errors in it), which the script swaps in; a plain form POST is sent back to the
page it came from. Anyone with `reviews.correct_labels` may correct the feedback they see (an agent: their
teams' customers', feedback_platform.visibility); other feedback is a 404.
"""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from feedback_platform.activity import Actor
from feedback_platform.visibility import visible_to

from .corrections import confirm_labels, correct_label
from .models import ChurnIntent, Feedback, Topic

FRAGMENT = "reviews/fragment_labels.html"
CONFIRM = "confirm"  # the ✓ button: the labels are right as they are (reviews.corrections.confirm_labels)


def active_topics() -> list[tuple[str, str]]:
    return Topic.objects.filter(is_active=True).choices()


def labels_context(
    feedback: Feedback, *, errors=None, next_url: str = "", topics=None, confirmed: bool = False
) -> dict:
    """What the labels fragment needs (the {% label_controls %} tag of the case page and the explorer);
    `topics` (active_topics) is read once by a page that shows many."""
    present = {t.slug for t in feedback.topics.all()}
    topics = active_topics() if topics is None else topics
    return {
        "feedback": feedback,
        "present_topics": [(slug, name) for slug, name in topics if slug in present],
        "addable_topics": [(slug, name) for slug, name in topics if slug not in present],
        "label_errors": errors or {},
        "next_url": next_url,
        "corrected": (feedback.explanation or {}).get("corrected") or {},
        "churn_choices": ChurnIntent.choices,
        "confirmed": confirmed,  # the answer to a ✓ says so; pages do not read every row's confirmations
    }


@login_required
@permission_required("reviews.correct_labels", raise_exception=True)
@require_POST
def correct(request, pk):
    feedback = get_object_or_404(visible_to(request.user, Feedback.objects.all()), pk=pk)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = reverse("reviews:explorer")
    kind = request.POST.get("kind", "")
    try:
        if kind == CONFIRM:
            confirm_labels(actor=Actor.from_request(request), feedback=feedback)
        else:
            correct_label(
                actor=Actor.from_request(request),
                feedback=feedback,
                kind=kind,
                value=request.POST.get("value", "").strip(),
            )
    except ValidationError as error:
        context = labels_context(feedback, errors=error.message_dict, next_url=next_url)
        template = FRAGMENT if _scripted(request) else "reviews/label_errors.html"
        return render(request, template, context, status=400)
    if not _scripted(request):
        return redirect(next_url)
    feedback.refresh_from_db()
    return render(request, FRAGMENT, labels_context(feedback, next_url=next_url, confirmed=kind == CONFIRM))


def _scripted(request) -> bool:
    return request.headers.get("X-Requested-With") == "labels"
