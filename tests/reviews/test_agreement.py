"""How often people agree with the model: the ✓ stores agreeing corrections, and reviews.agreement (the
explorer's panel and GET /api/v1/agreement/) counts them against the corrections, checked against the rows."""

import random
from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback_platform.models import ActivityEntry
from reviews.agreement import KINDS, LANGUAGES, MINIMUM_N, WEEKS, agreement, seen_by
from reviews.corrections import confirm_labels, correct_label
from reviews.models import Feedback, LabelCorrection, Topic
from tests.followup.helpers import detractor_case

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 25)  # a Wednesday: its week started on Monday the 23rd


def feedback(language="en") -> Feedback:
    return Feedback.objects.create(
        source="import",
        kind="nps",
        scale_min=0,
        scale_max=10,
        score=3,
        segment="detractor",
        comment="x",
        language=language,
    )


def reviewed(item: Feedback, kind: str, *, agrees: bool, day: date) -> LabelCorrection:
    old, new = ("neutral", "neutral") if agrees else ("neutral", "negative")
    at = timezone.make_aware(datetime.combine(day, time(12)))
    return LabelCorrection.objects.create(
        feedback=item, kind=kind, old_value=old, new_value=new, language=item.language, corrected_at=at
    )


def test_it_matches_the_raw_rows_per_language_kind_and_week():
    rng = random.Random(14)
    items = {language: feedback(language) for language in LANGUAGES}
    kinds = ["sentiment", "churn", "topic_added", "topic_removed"]
    for _ in range(400):
        day = TODAY - timedelta(days=rng.randrange(0, 7 * WEEKS + 20))  # some before the window
        reviewed(items[rng.choice(LANGUAGES)], rng.choice(kinds), agrees=rng.random() < 0.7, day=day)
    figures = agreement(today=TODAY)
    first = date(2026, 11, 23) - timedelta(weeks=WEEKS - 1)
    assert figures.weeks[0] == first and figures.weeks[-1] == date(2026, 11, 23)
    family = {kind: name for name, members in KINDS.items() for kind in members}
    for row in figures.rows:
        raw = [
            c
            for c in LabelCorrection.objects.all()
            if c.language == row.language
            and family[c.kind] == row.kind
            and timezone.localtime(c.corrected_at).date() >= first
        ]
        assert row.total.reviewed == len(raw)
        assert row.total.agreed == sum(c.old_value == c.new_value for c in raw)
        assert row.total.share == round(row.total.agreed / len(raw), 4)
        for week, cell in zip(figures.weeks, row.weekly, strict=True):
            in_week = [c for c in raw if week <= timezone.localtime(c.corrected_at).date() < week + timedelta(days=7)]
            assert (cell.reviewed, cell.agreed) == (len(in_week), sum(c.old_value == c.new_value for c in in_week))
    assert sum(row.total.reviewed for row in figures.rows) == sum(
        1 for c in LabelCorrection.objects.all() if timezone.localtime(c.corrected_at).date() >= first
    )


def test_a_share_under_the_minimum_n_is_none():
    item = feedback("ja")
    for i in range(MINIMUM_N - 1):
        reviewed(item, "churn", agrees=i % 2 == 0, day=TODAY)
    row = next(r for r in agreement(today=TODAY).rows if (r.language, r.kind) == ("ja", "churn"))
    assert row.total.reviewed == MINIMUM_N - 1 and row.total.share is None
    reviewed(item, "churn", agrees=True, day=TODAY)
    row = next(r for r in agreement(today=TODAY).rows if (r.language, r.kind) == ("ja", "churn"))
    assert row.total.share == 0.6 and row.weekly[-1].share == 0.6 and row.weekly[0].share is None


def test_confirming_stores_one_agreeing_row_per_machine_label_once_per_person(agent):
    case = detractor_case(comment="The invoice was wrong and the parcel was late")
    item = case.feedback
    slugs = set(item.topics.values_list("slug", flat=True))
    assert slugs, "the comment should have topics"
    correct_label(actor=agent, feedback=item, kind="churn", value="looking")  # the person's label, not the model's
    stored = confirm_labels(actor=agent, feedback=item)
    assert {(row.kind, row.new_value) for row in stored} == {("sentiment", item.sentiment_label)} | {
        ("topic_added", slug) for slug in slugs
    }
    assert all(row.old_value == row.new_value and row.corrected_by == agent for row in stored)
    assert confirm_labels(actor=agent, feedback=item) == []  # a second ✓ counts nothing twice
    assert ActivityEntry.objects.filter(action="reviews.feedback.labels_confirmed").count() == 1
    item.refresh_from_db()
    assert item.churn_intent == "looking" and set(item.topics.values_list("slug", flat=True)) == slugs


def test_the_confirm_button_posts_and_the_fragment_says_confirmed(client, agent):
    case = detractor_case(comment="The app is slow today")
    client.force_login(agent)
    url = reverse("reviews:correct_labels", args=[case.feedback.pk])
    response = client.post(url, {"kind": "confirm"}, HTTP_X_REQUESTED_WITH="labels")
    assert response.status_code == 200 and 'data-testid="labels-confirm"' in response.content.decode()
    assert "confirmed" in response.content.decode()
    case.feedback.refresh_from_db()
    rows = LabelCorrection.objects.filter(feedback=case.feedback, corrected_by=agent)
    assert ("sentiment", case.feedback.sentiment_label) in {(r.kind, r.new_value) for r in rows}
    assert all(r.old_value == r.new_value for r in rows)
    plain = client.post(url, {"kind": "confirm", "next": reverse("reviews:explorer")})
    assert plain.status_code == 302 and rows.count() == len(rows)


def test_the_explorer_panel_and_the_api_show_the_same_figures(client, manager, manager_api):
    item = feedback("zh-hans")
    today = timezone.localdate()
    for i in range(12):
        reviewed(item, "sentiment", agrees=i < 9, day=today)
    client.force_login(manager)
    page = client.get(reverse("reviews:explorer")).content.decode()
    assert 'data-testid="agreement-panel"' in page
    row = page.split('data-testid="agreement-zh-hans-sentiment"')[1].split("</tr>")[0]
    assert "75%" in row and "n=12" in row
    other = page.split('data-testid="agreement-ja-churn"')[1].split("</tr>")[0]
    assert "—" in other and "n=0" in other
    data = manager_api.get("/api/v1/agreement/").json()
    api_row = next(r for r in data["rows"] if (r["language"], r["kind"]) == ("zh-hans", "sentiment"))
    assert api_row["total"] == {"agreed": 9, "reviewed": 12, "share": 0.75}
    assert api_row["weekly"][-1]["reviewed"] == 12 and len(data["weeks"]) == WEEKS


def test_an_agent_counts_only_the_feedback_they_see(client, agent, other_team_agent):
    case = detractor_case(comment="The app is slow today")
    confirm_labels(actor=agent, feedback=case.feedback)
    assert Topic.objects.exists()
    mine = sum(row.total.reviewed for row in agreement(seen_by(agent)).rows)
    theirs = sum(row.total.reviewed for row in agreement(seen_by(other_team_agent)).rows)
    assert mine >= 2 and theirs == 0
