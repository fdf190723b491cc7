"""The feedback explorer for agents and managers: every filter, search in three languages,
the phrases behind each label highlighted, and safe CSV/XLSX exports."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from feedback_platform.visibility import visible_to

from . import agreement, reports
from .exports import export
from .models import ChurnIntent, LifecycleStage, Segment, Source, Topic

EXPORT_COLUMNS = [
    "received_at",
    "source",
    "platform",
    "kind",
    "score",
    "segment",
    "language",
    "sentiment_label",
    "sentiment_score",
    "topics",
    "tone",
    "churn_intent",
    "is_suspicious",
    "lifecycle_stage",
    "author_name",
    "comment",
]


def _filtered(user, report: reports.ReportFilter, params):
    feedback = visible_to(user, reports.selected_feedback(report))  # an agent: their teams' customers
    exact = {
        "segment": "segment",
        "sentiment": "sentiment_label",
        "churn_intent": "churn_intent",
        "topic": "topics__slug",
    }
    for param, field in exact.items():
        if params.get(param):
            feedback = feedback.filter(**{field: params[param]})
    if params.get("suspicious") in ("yes", "no"):
        feedback = feedback.filter(is_suspicious=params["suspicious"] == "yes")
    if params.get("q"):
        # Substring search: it works for Chinese and Japanese, which have no spaces between words.
        feedback = feedback.filter(comment__icontains=params["q"].strip())
    return feedback.select_related("contact", "survey").prefetch_related("topics").order_by("-received_at", "-pk")


@login_required
@permission_required("reviews.view_feedback", raise_exception=True)
def explorer(request):
    try:
        report = reports.parse_filter(request.GET)
    except ValidationError as error:
        return render(request, "reviews/explorer.html", {"errors": error.message_dict}, status=400)
    feedback = _filtered(request.user, report, request.GET)
    file_format = request.GET.get("export")
    if file_format:
        if file_format not in ("csv", "xlsx"):
            raise Http404("unknown format")
        rows = [
            {
                **{c: getattr(f, c) for c in EXPORT_COLUMNS if c != "topics"},
                "topics": ", ".join(t.slug for t in f.topics.all()),
                "received_at": f.received_at.isoformat(),
            }
            for f in feedback[:50000]
        ]
        return export(rows, EXPORT_COLUMNS, name=f"feedback-{report.start}-{report.end}", file_format=file_format)
    page = Paginator(feedback, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "report": report,
        "querystring": params.urlencode(),
        "agreement": agreement.agreement(agreement.seen_by(request.user)),
        "choices": {  # each filter: its label, then its options (value, what people read)
            "segment": (_("Segment"), Segment.choices),
            "sentiment": (_("Sentiment"), [(code, _(code)) for code in ("negative", "neutral", "positive")]),
            "churn_intent": (_("Churn intent"), ChurnIntent.choices),
            "source": (_("Channel"), Source.choices),
            "lifecycle_stage": (_("Lifecycle stage"), LifecycleStage.choices),
            "topic": (_("Topic"), Topic.objects.choices()),
            "suspicious": (_("Suspicion"), [("yes", _("suspicious")), ("no", _("not suspicious"))]),
        },
    }
    return render(request, "reviews/explorer.html", context)
