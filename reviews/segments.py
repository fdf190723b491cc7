"""Segment from the score alone (domain.md): text never changes the segment."""

from surveys.models import SurveyKind

from .models import Segment

# (kind, scale_max) -> (highest detractor score, highest passive score).
DEFAULT_THRESHOLDS = {
    (SurveyKind.NPS, 10): (6, 8),
    (SurveyKind.CSAT, 5): (2, 3),
    (SurveyKind.CSAT, 10): (4, 6),
    (SurveyKind.CSAT, 3): (1, 2),
    (SurveyKind.STAR, 5): (2, 3),
    (SurveyKind.CES, 7): (3, 4),
    (SurveyKind.CES, 5): (2, 3),
}


def segment_for(kind: str, score: int, scale_max: int, thresholds: dict | None = None) -> tuple[str, str]:
    """The segment of a score and the rule that placed it there (`thresholds`: reviews.thresholds.current())."""
    try:
        detractor_max, passive_max = (thresholds or DEFAULT_THRESHOLDS)[(kind, scale_max)]
    except KeyError:
        raise ValueError(f"no segment thresholds for {kind} on a scale to {scale_max}") from None
    if score <= detractor_max:
        segment = Segment.DETRACTOR
    elif score <= passive_max:
        segment = Segment.PASSIVE
    else:
        segment = Segment.PROMOTER
    return segment, f"{kind} {score}/{scale_max}: detractor ≤{detractor_max}, passive ≤{passive_max}"
