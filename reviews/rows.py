"""The one check of a review row, for every way rows arrive.

The API batch and the row-by-row file import (reviews.batch.build) and the XLSX fast path
(reviews.fastimport.stage_rows) call `check_review_row`; the CSV fast path repeats it in SQL
(reviews.fastimport.copy_csv) with the same patterns and messages, and tests/reviews/test_row_checks.py
sends the same rows through all four and compares what each stores and refuses.
"""

import re
from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import CharField
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from feedback_platform.cleantext import UNSTORABLE, is_storable
from surveys.models import DEFAULT_SCALES, SurveyKind
from surveys.segments import Thresholds, thresholds_for

from .models import Feedback

MISSING_ID = "required: it makes sending or importing twice harmless"
# Feedback.external_id holds 200 characters: an imported id gets its platform's name (up to 50) and ":" before it.
EXTERNAL_ID_MAX = 149
NOT_A_NUMBER = "required, a number"
#: A review's comment is kept whole up to this many characters; a longer one is refused, never cut.
COMMENT_MAX = 10_000


#: Every free-form value and the characters its column holds: a longer one is that field's error.
def _column_length(name: str) -> int:
    field = Feedback._meta.get_field(name)
    assert isinstance(field, CharField) and field.max_length, name
    return field.max_length


TEXT_LIMITS: dict[str, int] = {"comment": COMMENT_MAX} | {
    name: _column_length(name) for name in ("language", "platform", "author_name", "review_url", "product_ref")
}


def too_long(limit: int) -> str:
    return f"longer than {limit} characters"


LONG_ID = too_long(EXTERNAL_ID_MAX)

# A score: digits with an optional fraction, rounded half up (PostgreSQL's round() of a numeric does the same).
NUMBER = r"^\s*[0-9]+(\.[0-9]+)?\s*$"
# A date, exact enough that a value passing it always casts: hours, minutes, seconds and offsets in range
# (the day of the month is checked against the month's length separately).
DATE = (
    r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?)?"
    r"\s*(Z|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?)?$"
)


@dataclass(frozen=True)
class ReviewRow:
    """A row that passed: what the Feedback is made of."""

    external_id: str
    kind: str
    scale_min: int
    scale_max: int
    score: int
    received_at: datetime


def check_review_row(
    item: Mapping[str, Any], *, now: datetime, thresholds: Thresholds | None = None
) -> tuple[ReviewRow | None, dict[str, str]]:
    """The checked row, or None and every field's reason (field → message) for a row refused.

    `thresholds`: surveys.segments.current_thresholds(), read once by callers that check many rows; a scale
    with no thresholds is refused here, since no segment could be given to it.
    """
    errors: dict[str, str] = {
        name: str(UNSTORABLE) for name, value in item.items() if isinstance(value, str) and not is_storable(value)
    }
    for name, limit in TEXT_LIMITS.items():
        if len(str(item.get(name) or "").strip()) > limit:
            errors.setdefault(name, too_long(limit))
    external_id = str(item.get("external_id") or "").strip()
    if not external_id:
        errors["external_id"] = MISSING_ID
    elif len(external_id) > EXTERNAL_ID_MAX:
        errors["external_id"] = LONG_ID
    kind = str(item.get("kind") or SurveyKind.STAR)
    if kind not in SurveyKind.values:
        errors["kind"] = f"unknown kind {kind!r}; use nps, csat, ces or star"
        return None, errors  # no scale to check the score against
    low, high = DEFAULT_SCALES[SurveyKind(kind)]
    if item.get("scale_max") not in (None, ""):
        try:
            high = int(item["scale_max"])
        except (TypeError, ValueError):
            errors["scale_max"] = "must be a whole number"
    score = parse_score(item.get("score"))
    if score is None:
        errors["score"] = NOT_A_NUMBER
    elif not low <= score <= high:
        errors["score"] = f"{score} is outside {low}..{high}"
    if "scale_max" not in errors:
        try:
            thresholds_for(kind, high, thresholds)
        except ValueError as error:
            errors["scale_max"] = str(error)
    received_at = parse_when(item.get("received_at"), now=now)
    if received_at is None:
        errors["received_at"] = f"not a date: {item.get('received_at')!r}"
    if errors or score is None or received_at is None:
        return None, errors
    return ReviewRow(external_id, kind, low, high, score, received_at), errors


def parse_score(value: Any) -> int | None:
    """A whole score from "4", " 4 ", "4.0" or 4.5 (rounded half up: 5); None for anything else."""
    text = str(value if value is not None else "")
    if not re.match(NUMBER, text):
        return None
    return int(Decimal(text.strip()).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_when(value: Any, *, now: datetime) -> datetime | None:
    """An aware datetime from a date, a date and time, or a datetime (a spreadsheet's cell); `now` when empty;
    None for a value that is not one. A date without an offset is in the current time zone."""
    if value in (None, ""):
        return now
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    text = str(value).strip()
    match = re.match(DATE, text)
    if match is None or int(text[8:10]) > monthrange(int(text[:4]), int(text[5:7]))[1]:
        return None
    parsed = parse_datetime(text) or datetime.fromisoformat(text)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
