"""Segment from the score alone (domain.md): text never changes the segment."""

from surveys.models import DEFAULT_THRESHOLDS

from .models import Segment


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
