"""Score → segment, the one rule (domain.md): text never changes the segment.

Everything that places a score reads it here, with the admins' thresholds: the answer page (the follow-up
question and the thanks), every Feedback (reviews.ingest, reviews.batch), the rules' checks (followup.rules).
Two set-based copies repeat it in SQL and are tested against `segment_for` on every kind, scale and score:
the fast import (reviews.fastimport.copy_csv) and the re-classification after a threshold change
(reviews.thresholds.reclassify).
"""

import re
import time

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from .models import DEFAULT_THRESHOLDS, Segment, SegmentThreshold, SurveyKind

# (kind, scale_max) → (highest detractor, highest passive)
Thresholds = dict[tuple[str, int], tuple[int, int]]


def current_thresholds() -> Thresholds:
    """The thresholds in force: the defaults, overridden by the admins' rows (one query)."""
    configured = {
        (row.kind, row.scale_max): (row.detractor_max, row.passive_max) for row in SegmentThreshold.objects.all()
    }
    defaults: Thresholds = {(str(kind), top): limits for (kind, top), limits in DEFAULT_THRESHOLDS.items()}
    return {**defaults, **configured}


#: How old the answer page's copy of the thresholds may be on a web process that did not make the change.
DISPLAY_THRESHOLDS_SECONDS = 30.0
_displayed: tuple[float, Thresholds] | None = None  # (read at, thresholds), per process


def displayed_thresholds() -> Thresholds:
    """current_thresholds() for the answer page's words only (which follow-up question, which thanks),
    read once per process every DISPLAY_THRESHOLDS_SECONDS and at once after a change here: the page is on
    the customer's hot path. What is stored (every Feedback, the rules) reads current_thresholds()."""
    global _displayed
    if _displayed is None or time.monotonic() - _displayed[0] > DISPLAY_THRESHOLDS_SECONDS:
        _displayed = (time.monotonic(), current_thresholds())
    return _displayed[1]


@receiver([post_save, post_delete], sender=SegmentThreshold, dispatch_uid="surveys.forget_displayed_thresholds")
def forget_displayed_thresholds(**kwargs) -> None:
    """Forget the page's copy now and again after the change commits (a page read in between caches the
    old thresholds)."""
    global _displayed
    _displayed = None
    if kwargs.get("sender"):
        transaction.on_commit(forget_displayed_thresholds)


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


_STORED_REASON = re.compile(r"^(\w+) (-?\d+)/(\d+): detractor ≤(-?\d+), passive ≤(-?\d+)$")


def describe_segment_reason(reason: str) -> str:
    """A stored `segment_reason` in the reader's language; a reason stored in another shape as it is."""
    match = _STORED_REASON.match(reason or "")
    if not match or match.group(1) not in SurveyKind.values:
        return reason
    kind, score, scale_max, detractor_max, passive_max = match.groups()
    return _("%(kind)s %(score)s of %(scale_max)s: a detractor up to %(detractor)s, a passive up to %(passive)s") % {
        "kind": SurveyKind(kind).label,
        "score": score,
        "scale_max": scale_max,
        "detractor": detractor_max,
        "passive": passive_max,
    }


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
