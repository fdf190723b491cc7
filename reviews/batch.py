"""Feedback from outside surveys (the API, imported reviews), many at a time.

Each item carries an external id: the same item sent twice creates nothing new
(the (source, external_id) unique index decides, not a prior SELECT). Items
with field errors are reported by their index; the valid ones are stored.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from feedback_platform.publishing import BULK_QUEUE, publish_on_commit
from surveys.models import Contact, Survey
from surveys.segments import Thresholds, current_thresholds, segment_for

from .models import Feedback, Source, record_group
from .rows import check_review_row
from .suspicion import text_hash

MAX_BATCH = 1000


@dataclass
class BatchResult:
    created: list[int] = field(default_factory=list)
    existing: int = 0
    errors: dict[int, dict[str, str]] = field(default_factory=dict)


def build(
    item: dict, index: int, errors: dict, *, source: str, platform: str = "", thresholds: Thresholds | None = None
) -> Feedback | None:
    """An unsaved Feedback from one item, or None with the item's field errors recorded (reviews.rows checks
    every value's length, so nothing here is cut)."""
    row, problems = check_review_row(item, now=timezone.now(), thresholds=thresholds)
    if row is None:
        errors[index] = problems
        return None
    segment, reason = segment_for(row.kind, row.score, row.scale_max, thresholds)
    platform = str(item.get("platform") or platform)
    comment = str(item.get("comment") or "").strip()
    low, high, score = row.scale_min, row.scale_max, row.score
    return Feedback(
        source=source,
        external_id=f"{platform}:{row.external_id}" if source == Source.IMPORT and platform else row.external_id,
        kind=row.kind,
        scale_min=low,
        scale_max=high,
        score=score,
        normalized_score=round((score - low) / (high - low), 4) if high > low else 0.0,
        segment=segment,
        segment_reason=reason,
        comment=comment,
        comment_hash=text_hash(comment),
        language=str(item.get("language") or ""),
        platform=platform,
        author_name=str(item.get("author_name") or ""),
        review_url=str(item.get("review_url") or ""),
        product_ref=str(item.get("product_ref") or ""),
        received_at=row.received_at,
        explanation={"segment": reason, "import": {k: item[k] for k in ("account_age_days", "remote") if k in item}},
        survey=_survey(item.get("survey")),
    )


def _survey(value):
    return Survey.objects.filter(pk=value).first() if str(value or "").isdigit() else None


def _match_contacts(feedback: list[Feedback], items: list[dict]) -> None:
    """Attach each feedback to its contact, by external id or email, in two queries."""
    ids = {str(i.get("contact_external_id")) for i in items if i.get("contact_external_id")}
    emails = {str(i.get("contact_email")).lower() for i in items if i.get("contact_email")}
    by_id = {c.external_id: c for c in Contact.objects.filter(external_id__in=ids)} if ids else {}
    by_email = {c.email.lower(): c for c in Contact.objects.filter(email__in=emails)} if emails else {}
    for row, item in zip(feedback, items, strict=True):
        row.contact = by_id.get(str(item.get("contact_external_id"))) or by_email.get(
            str(item.get("contact_email") or "").lower()
        )
        record_group(row)  # bulk_create skips Feedback.save


@transaction.atomic
def ingest_batch(items: list[dict], *, source: str, platform: str = "", classify_now: bool = True) -> BatchResult:
    """Store the valid items of a batch in one insert; report the invalid ones by index."""
    result = BatchResult()
    built, kept_items, limits = [], [], current_thresholds()
    for index, item in enumerate(items):
        row = build(item, index, result.errors, source=source, platform=platform, thresholds=limits)
        if row is not None:
            built.append(row)
            kept_items.append(item)
    _match_contacts(built, kept_items)
    known = set(
        Feedback.objects.filter(source=source, external_id__in=[row.external_id for row in built]).values_list(
            "external_id", flat=True
        )
    )
    fresh = [row for row in built if row.external_id not in known]
    result.existing = len(built) - len(fresh)
    Feedback.objects.bulk_create(fresh, batch_size=1000, ignore_conflicts=True)
    stored = Feedback.objects.filter(source=source, external_id__in=[row.external_id for row in fresh])
    result.created = list(stored.values_list("pk", flat=True))
    if classify_now:
        from .ingest import classify_stored

        classify_stored(result.created)
    else:
        from .tasks import classify_feedback_task

        # API answers wait on the customer queue (a detractor's apology follows); imports on the bulk one.
        publish_on_commit(classify_feedback_task, result.created, queue=BULK_QUEUE if source == Source.IMPORT else None)
    return result
