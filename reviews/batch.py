"""Feedback from outside surveys (the API, imported reviews), many at a time.

Each item carries an external id: the same item sent twice creates nothing new
(the (source, external_id) unique index decides, not a prior SELECT). Items
with field errors are reported by their index; the valid ones are stored.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from feedback_platform.publishing import BULK_QUEUE, publish_on_commit
from surveys.models import DEFAULT_SCALES, Contact, Survey, SurveyKind

from .models import Feedback, Source
from .segments import segment_for
from .suspicion import text_hash

MAX_BATCH = 1000


@dataclass
class BatchResult:
    created: list[int] = field(default_factory=list)
    existing: int = 0
    errors: dict[int, dict[str, str]] = field(default_factory=dict)


def _error(errors, index, name, message):
    errors.setdefault(index, {})[name] = message


def build(item: dict, index: int, errors: dict, *, source: str, platform: str = "") -> Feedback | None:
    """An unsaved Feedback from one item, or None with the item's field errors recorded."""
    external_id = str(item.get("external_id") or "").strip()
    if not external_id:
        _error(errors, index, "external_id", "required: it makes sending twice harmless")
    kind = item.get("kind") or SurveyKind.STAR
    if kind not in SurveyKind.values:
        _error(errors, index, "kind", f"unknown kind {kind!r}; use nps, csat, ces or star")
        return None
    low, high = DEFAULT_SCALES[kind]
    if item.get("scale_max") not in (None, ""):
        try:
            high = int(item["scale_max"])
        except (TypeError, ValueError):
            _error(errors, index, "scale_max", "must be a whole number")
    try:
        score = int(float(str(item.get("score", "")).strip()))
    except ValueError:
        _error(errors, index, "score", "required, a number")
        return None
    if not low <= score <= high:
        _error(errors, index, "score", f"{score} is outside {low}..{high}")
    try:
        segment, reason = segment_for(kind, score, high)
    except ValueError as error:
        _error(errors, index, "scale_max", str(error))
        return None
    received_at = parse_when(item.get("received_at"), index, errors)
    if index in errors:
        return None
    platform = str(item.get("platform") or platform)[:50]
    comment = str(item.get("comment") or "").strip()[:10000]
    return Feedback(
        source=source,
        external_id=f"{platform}:{external_id}" if source == Source.IMPORT and platform else external_id,
        kind=kind,
        scale_min=low,
        scale_max=high,
        score=score,
        normalized_score=round((score - low) / (high - low), 4) if high > low else 0.0,
        segment=segment,
        segment_reason=reason,
        comment=comment,
        comment_hash=text_hash(comment),
        language=str(item.get("language") or "")[:10],
        platform=platform,
        author_name=str(item.get("author_name") or "")[:200],
        review_url=str(item.get("review_url") or "")[:500],
        product_ref=str(item.get("product_ref") or "")[:200],
        received_at=received_at,
        explanation={"segment": reason, "import": {k: item[k] for k in ("account_age_days", "remote") if k in item}},
        survey=_survey(item.get("survey")),
    )


def parse_when(value, index, errors) -> datetime:
    if not value:
        return timezone.now()
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    parsed = parse_datetime(str(value).strip()) or _date_only(str(value).strip())
    if parsed is None:
        _error(errors, index, "received_at", f"not a date: {value!r}")
        return timezone.now()
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _date_only(text):
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


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


@transaction.atomic
def ingest_batch(items: list[dict], *, source: str, platform: str = "", classify_now: bool = True) -> BatchResult:
    """Store the valid items of a batch in one insert; report the invalid ones by index."""
    result = BatchResult()
    built, kept_items = [], []
    for index, item in enumerate(items):
        row = build(item, index, result.errors, source=source, platform=platform)
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
