import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviews.metrics import NpsSummary, nps_summary
from reviews.models import Feedback, Segment
from surveys.segments import segment_for
from tests.factories import ContactFactory


@pytest.mark.parametrize(
    ("kind", "score", "scale_max", "segment"),
    [
        ("nps", 0, 10, Segment.DETRACTOR),
        ("nps", 6, 10, Segment.DETRACTOR),
        ("nps", 7, 10, Segment.PASSIVE),
        ("nps", 8, 10, Segment.PASSIVE),
        ("nps", 9, 10, Segment.PROMOTER),
        ("nps", 10, 10, Segment.PROMOTER),
        ("csat", 2, 5, Segment.DETRACTOR),
        ("csat", 3, 5, Segment.PASSIVE),
        ("csat", 4, 5, Segment.PROMOTER),
        ("star", 1, 5, Segment.DETRACTOR),
        ("star", 5, 5, Segment.PROMOTER),
        ("ces", 3, 7, Segment.DETRACTOR),
        ("ces", 4, 7, Segment.PASSIVE),
        ("ces", 5, 7, Segment.PROMOTER),
    ],
)
@pytest.mark.django_db  # no threshold rows: the defaults
def test_it_segments_by_score_and_kind(kind, score, scale_max, segment):
    assert segment_for(kind, score, scale_max)[0] == segment


@pytest.mark.django_db  # no threshold rows: the defaults
def test_it_explains_the_segment():
    assert segment_for("nps", 6, 10)[1] == "nps 6/10: detractor ≤6, passive ≤8"


@pytest.mark.django_db  # no threshold rows: the defaults
def test_it_refuses_a_scale_it_has_no_thresholds_for():
    with pytest.raises(ValueError, match="no segment thresholds for nps on a scale to 7"):
        segment_for("nps", 3, 7)


def test_it_computes_nps_as_promoters_minus_detractors():
    summary = NpsSummary(promoters=50, passives=30, detractors=20)
    assert summary.n == 100
    assert summary.score == pytest.approx(30.0)


def test_it_gives_the_95_percent_interval():
    # p = 0.5 promoters, d = 0.2 detractors, n = 100: ±15.3 points.
    assert NpsSummary(promoters=50, passives=30, detractors=20).margin == pytest.approx(15.3, abs=0.05)


def test_it_has_no_score_without_answers():
    summary = NpsSummary(promoters=0, passives=0, detractors=0)
    assert summary.score is None and summary.margin is None


@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_nps_stays_between_minus_100_and_100(promoters, passives, detractors):
    summary = NpsSummary(promoters=promoters, passives=passives, detractors=detractors)
    if summary.n:
        assert -100 <= summary.score <= 100
        assert summary.margin >= 0


@pytest.mark.django_db
def test_it_counts_only_nps_answers_in_the_denominator():
    contact = ContactFactory()
    common = {"source": "api", "contact": contact, "scale_min": 0, "scale_max": 10}
    Feedback.objects.create(kind="nps", score=10, segment=Segment.PROMOTER, **common)
    Feedback.objects.create(kind="nps", score=2, segment=Segment.DETRACTOR, **common)
    Feedback.objects.create(kind="nps", score=9, segment=Segment.PROMOTER, **common)
    Feedback.objects.create(
        kind="csat", score=1, segment=Segment.DETRACTOR, **{**common, "scale_min": 1, "scale_max": 5}
    )
    summary = nps_summary(Feedback.objects.all())
    assert (summary.promoters, summary.passives, summary.detractors) == (2, 0, 1)
    assert summary.score == pytest.approx(100 / 3)
