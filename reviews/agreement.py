"""How often people agree with the model: the one definition behind the explorer's panel and
GET /api/v1/agreement/.

A reviewed label is a LabelCorrection row: a confirmation (reviews.corrections.confirm_labels) stores the label
unchanged (old == new), a correction stores it changed. Agreement is confirmations / (confirmations +
corrections), per language and label kind (sentiment, churn intent, topics: a topic added or removed, or a
topic confirmed) over the whole window and per week (weeks start on Monday, in the installation's time zone).
A share over fewer than MINIMUM_N reviewed labels is None: the page shows "—" rather than a figure that one
click moves by 20 points.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Case, CharField, Count, F, IntegerField, QuerySet, Sum, Value, When
from django.db.models.functions import TruncWeek
from django.utils import timezone

from feedback_platform.visibility import visible_to

from .models import CorrectionKind, Feedback, LabelCorrection

LANGUAGES = ("en", "zh-hans", "ja")
KINDS = {
    "sentiment": [CorrectionKind.SENTIMENT],
    "churn": [CorrectionKind.CHURN],
    "topics": [CorrectionKind.TOPIC_ADDED, CorrectionKind.TOPIC_REMOVED],
}
WEEKS = 12
MINIMUM_N = 10


@dataclass
class Cell:
    agreed: int = 0
    reviewed: int = 0
    share: float | None = None  # agreed / reviewed, None under MINIMUM_N


@dataclass
class Row:
    language: str
    kind: str
    total: Cell = field(default_factory=Cell)
    weekly: list[Cell] = field(default_factory=list)


@dataclass
class Agreement:
    weeks: list[date]
    rows: list[Row]
    minimum_n: int = MINIMUM_N

    def as_dict(self) -> dict:
        return asdict(self)


def seen_by(user) -> QuerySet[LabelCorrection]:
    """The corrections of the feedback `user` sees (an agent: their teams' customers')."""
    return LabelCorrection.objects.filter(feedback__in=visible_to(user, Feedback.objects.all()))


def agreement(corrections: QuerySet[LabelCorrection] | None = None, *, today: date | None = None) -> Agreement:
    """Agreement over the last WEEKS weeks up to `today` (the local date by default) of `corrections` (every
    LabelCorrection by default; the explorer passes those of the feedback the reader sees). Every language
    and kind has a row, with zeros where nobody reviewed a label."""
    today = today or timezone.localdate()
    first = today - timedelta(days=today.weekday(), weeks=WEEKS - 1)
    weeks = [first + timedelta(weeks=i) for i in range(WEEKS)]
    rows = {
        (language, kind): Row(language, kind, weekly=[Cell() for _ in weeks])
        for language in LANGUAGES
        for kind in KINDS
    }
    for language, kind, week, reviewed, agreed in _counts(corrections, first):
        row = rows.get((language, kind))
        index = (
            (timezone.localtime(week).date() - first).days // 7
            if isinstance(week, datetime)
            else (week - first).days // 7
        )
        if row is None or not 0 <= index < WEEKS:
            continue
        for cell in (row.total, row.weekly[index]):
            cell.agreed += agreed
            cell.reviewed += reviewed
    for row in rows.values():
        for cell in (row.total, *row.weekly):
            cell.share = round(cell.agreed / cell.reviewed, 4) if cell.reviewed >= MINIMUM_N else None
    return Agreement(weeks=weeks, rows=list(rows.values()))


def _counts(corrections: QuerySet[LabelCorrection] | None, first: date):
    """(language, kind, week, reviewed, agreed) from one grouped query."""
    corrections = LabelCorrection.objects.all() if corrections is None else corrections
    since = timezone.make_aware(datetime.combine(first, time.min))
    family = Case(
        *[When(kind__in=kinds, then=Value(name)) for name, kinds in KINDS.items()],
        output_field=CharField(),
    )
    agrees = Case(When(old_value=F("new_value"), then=1), default=0, output_field=IntegerField())
    return (
        corrections.filter(corrected_at__gte=since)
        .annotate(family=family, week=TruncWeek("corrected_at"), agrees=agrees)
        .order_by()
        .values_list("language", "family", "week")
        .annotate(reviewed=Count("pk"), agreed=Sum("agrees"))
    )
