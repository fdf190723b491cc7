"""The SQL that repeats the segment rule gives the answers of the rule itself (surveys.segments.segment_for).

Two statements repeat it: the threshold re-classification (every kind and scale, any database) and the
fast CSV import (star ratings, PostgreSQL). Each runs on the same rows as the Python rule, with the
defaults and with admins' thresholds, and every score of every scale is compared: segment and reason.
"""

import itertools

import pytest
from django.db import connection

from reviews import fastimport, thresholds
from reviews.models import Feedback, Source
from surveys.models import DEFAULT_SCALES, DEFAULT_THRESHOLDS, SegmentThreshold
from surveys.segments import current_thresholds, segment_for

pytestmark = pytest.mark.django_db


def scores_of(kind: str, scale_max: int) -> range:
    return range(DEFAULT_SCALES[kind][0], scale_max + 1)


def every_threshold(scale_max: int, low: int) -> list[tuple[int, int]]:
    """Every (highest detractor, highest passive) an admin may set on a scale: low-1 ≤ d < p < scale_max."""
    return [(d, p) for d, p in itertools.combinations(range(max(low - 1, 0), scale_max), 2)]


def stored(kind: str, scale_max: int) -> None:
    """One feedback per score of the scale, labelled wrongly on purpose so the UPDATE must set each."""
    low = DEFAULT_SCALES[kind][0]
    Feedback.objects.bulk_create(
        Feedback(
            source=Source.API,
            external_id=f"{kind}-{scale_max}-{score}",
            kind=kind,
            scale_min=low,
            scale_max=scale_max,
            score=score,
            segment="",
            segment_reason="",
        )
        for score in scores_of(kind, scale_max)
    )


def assert_as_the_rule(rows, kind: str, scale_max: int) -> None:
    limits = current_thresholds()
    for feedback in rows.all():  # read afresh each time
        assert (feedback.segment, feedback.segment_reason) == segment_for(kind, feedback.score, scale_max, limits), (
            f"{kind} {feedback.score}/{scale_max} with {limits[(kind, scale_max)]}"
        )


@pytest.mark.parametrize(("kind", "scale_max"), sorted(DEFAULT_THRESHOLDS))
def test_the_reclassification_update_segments_every_score_as_the_rule(kind, scale_max):
    stored(kind, scale_max)
    rows = Feedback.objects.filter(kind=kind, scale_max=scale_max).order_by("score")
    assert thresholds.reclassify(kind=kind, scale_max=scale_max) == len(scores_of(kind, scale_max))
    assert_as_the_rule(rows, kind, scale_max)  # the defaults
    for detractor_max, passive_max in every_threshold(scale_max, DEFAULT_SCALES[kind][0]):
        SegmentThreshold.objects.update_or_create(
            kind=kind, scale_max=scale_max, defaults={"detractor_max": detractor_max, "passive_max": passive_max}
        )
        thresholds.reclassify(kind=kind, scale_max=scale_max)
        assert_as_the_rule(rows, kind, scale_max)


def test_the_fast_csv_import_segments_every_star_score_as_the_rule():
    if connection.vendor != "postgresql":
        pytest.skip("the COPY fast path is PostgreSQL's; CI runs this on PostgreSQL")
    settings = [None, *every_threshold(5, 1)]  # None: the defaults
    for number, limits in enumerate(settings):
        if limits:
            SegmentThreshold.objects.update_or_create(
                kind="star", scale_max=5, defaults={"detractor_max": limits[0], "passive_max": limits[1]}
            )
        # Every score, written as files write them: "4", " 4 ", "4.0", and halves that round.
        lines = ["1", " 2 ", "3.0", "4", "5", "2.5", "4.49"]
        text = "id,rating\n" + "".join(f"{index},{score}\n" for index, score in enumerate(lines))
        result = fastimport.copy_csv(text, {0: "external_id", 1: "score"}, 2, platform=f"p{number}")
        assert (result.created, result.errors) == (len(lines), [])
        rows = Feedback.objects.filter(platform=f"p{number}").order_by("external_id")
        assert [row.score for row in rows] == [1, 2, 3, 4, 5, 3, 4]
        assert_as_the_rule(rows, "star", 5)
        assert all(row.explanation["segment"] == row.segment_reason for row in rows)
