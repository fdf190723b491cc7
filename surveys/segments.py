"""Score → segment, the one rule (domain.md): text never changes the segment.

Everything that places a score reads it here, with the admins' thresholds: the answer page (the follow-up
question and the thanks), every Feedback (reviews.ingest, reviews.batch), the rules' checks (followup.rules).
Two set-based copies repeat it in SQL and are tested against `segment_for` on every kind, scale and score:
the fast import (reviews.fastimport.copy_csv) and the re-classification after a threshold change
(reviews.thresholds.reclassify).
"""

from .models import DEFAULT_THRESHOLDS, Segment, SegmentThreshold

# (kind, scale_max) → (highest detractor, highest passive)
Thresholds = dict[tuple[str, int], tuple[int, int]]


def current_thresholds() -> Thresholds:
    """The thresholds in force: the defaults, overridden by the admins' rows (one query)."""
    configured = {
        (row.kind, row.scale_max): (row.detractor_max, row.passive_max) for row in SegmentThreshold.objects.all()
    }
    defaults: Thresholds = {(str(kind), top): limits for (kind, top), limits in DEFAULT_THRESHOLDS.items()}
    return {**defaults, **configured}


def thresholds_for(kind: str, scale_max: int, thresholds: Thresholds | None = None) -> tuple[int, int]:
    """(highest detractor, highest passive) of one kind and scale; ValueError for a scale nobody configured.

    `thresholds`: current_thresholds(), read once by callers that place many scores; None reads it now.
    """
    limits = current_thresholds() if thresholds is None else thresholds
    try:
        return limits[(kind, scale_max)]
    except KeyError:
        raise ValueError(f"no segment thresholds for {kind} on a scale to {scale_max}") from None


def segment_reason(kind: str, score: int, scale_max: int, detractor_max: int, passive_max: int) -> str:
    """Why a score is in its segment, as stored on the Feedback (the SQL copies build the same text)."""
    return f"{kind} {score}/{scale_max}: detractor ≤{detractor_max}, passive ≤{passive_max}"


def segment_for(kind: str, score: int, scale_max: int, thresholds: Thresholds | None = None) -> tuple[str, str]:
    """The segment of a score and the rule that placed it there; ValueError for an unconfigured scale."""
    detractor_max, passive_max = thresholds_for(kind, scale_max, thresholds)
    if score <= detractor_max:
        segment = Segment.DETRACTOR
    elif score <= passive_max:
        segment = Segment.PASSIVE
    else:
        segment = Segment.PROMOTER
    return segment, segment_reason(kind, score, scale_max, detractor_max, passive_max)
