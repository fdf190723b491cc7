"""Conditions on contacts (surveys.audiences): each operator, a wrong one, past answers against raw rows, tags."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from feedback_platform.activity import Actor
from reviews.models import Feedback
from surveys.audiences import condition_problems, matching_contacts, preview, save_audience
from surveys.models import Answer, Audience, Contact, Segment, Tag
from tests.factories import ContactFactory, SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    """Five contacts whose attributes come as the API (numbers) and a CSV file (text) bring them."""
    rows = {
        "ann": {"language": "en", "attributes": {"plan": "pro", "ltv": 150, "renews": "2026-03-01"}},
        "bo": {"language": "ja", "attributes": {"plan": "starter", "ltv": "40", "renews": "2025-12-31T10:00:00"}},
        "cy": {"language": "zh-hans", "attributes": {"plan": "Pro Max", "ltv": "n/a", "renews": "soon"}},
        "di": {"language": "en", "attributes": {"plan": "enterprise", "ltv": 99.5}, "customer_since": date(2020, 5, 1)},
        "ed": {"language": "ja", "attributes": {}, "customer_since": date(2026, 1, 15)},
    }
    return {name: ContactFactory(name=name, email=f"{name}@example.com", **fields) for name, fields in rows.items()}


def names(conditions) -> set[str]:
    assert condition_problems(conditions) == {}
    return set(matching_contacts(conditions).values_list("name", flat=True))


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "attributes.plan", "op": "equals", "value": "pro"}, {"ann"}),
        ({"field": "attributes.plan", "op": "not_equals", "value": "pro"}, {"bo", "cy", "di", "ed"}),
        ({"field": "attributes.plan", "op": "one_of", "value": ["starter", "enterprise"]}, {"bo", "di"}),
        ({"field": "attributes.plan", "op": "contains", "value": "PRO"}, {"ann", "cy"}),
        ({"field": "attributes.ltv", "op": "equals", "value": "150"}, {"ann"}),  # a JSON number, as text
        ({"field": "attributes.ltv", "op": "gt", "value": 99.5}, {"ann"}),
        ({"field": "attributes.ltv", "op": "gte", "value": 99.5}, {"ann", "di"}),
        ({"field": "attributes.ltv", "op": "lt", "value": 100}, {"bo", "di"}),  # "40" from a file; "n/a" left out
        ({"field": "attributes.ltv", "op": "lte", "value": 40}, {"bo"}),
        ({"field": "attributes.renews", "op": "before", "value": "2026-01-01"}, {"bo"}),
        ({"field": "attributes.renews", "op": "after", "value": "2026-01-01"}, {"ann"}),
        ({"field": "language", "op": "equals", "value": "ja"}, {"bo", "ed"}),
        ({"field": "language", "op": "one_of", "value": ["ja", "zh-hans"]}, {"bo", "cy", "ed"}),
        ({"field": "email", "op": "equals", "value": "ANN@example.com"}, {"ann"}),
        ({"field": "name", "op": "contains", "value": "d"}, {"di", "ed"}),
        ({"field": "customer_since", "op": "before", "value": "2021-01-01"}, {"di"}),
        ({"field": "customer_since", "op": "after", "value": "2021-01-01"}, {"ed"}),
    ],
)
def test_each_operator_picks_its_contacts(people, condition, expected):
    assert names([condition]) == expected


def test_relative_dates_count_back_from_today(people):
    Contact.objects.filter(pk=people["ann"].pk).update(customer_since=timezone.localdate() - timedelta(days=10))
    ann_renews = (timezone.localdate() - timedelta(days=400)).isoformat()
    Contact.objects.filter(pk=people["ann"].pk).update(attributes={"renews": ann_renews})
    assert names([{"field": "customer_since", "op": "within_days", "value": 30}]) == {"ann"}
    assert names([{"field": "customer_since", "op": "older_than_days", "value": 30}]) == {"di", "ed"}
    assert names([{"field": "attributes.renews", "op": "older_than_days", "value": 300}]) == {
        "ann",
        "bo",
    }  # bo: 2025-12-31
    assert names([{"field": "created_at", "op": "within_days", "value": 1}]) == set(people)


def test_conditions_all_hold_and_archived_contacts_are_never_reached(people):
    both = [
        {"field": "language", "op": "equals", "value": "en"},
        {"field": "attributes.ltv", "op": "gt", "value": 100},
    ]
    assert names(both) == {"ann"}
    Contact.objects.filter(pk=people["ann"].pk).update(archived_at=timezone.now())
    assert names(both) == set()


@pytest.mark.parametrize(
    ("conditions", "field"),
    [
        ([{"field": "attributes.plan", "op": "resembles", "value": "pro"}], "conditions[0].op"),
        ([{"field": "tags", "op": "gt", "value": 3}], "conditions[0].op"),
        ([{"field": "colour", "op": "equals", "value": "red"}], "conditions[0].field"),
        ([{"field": "attributes.a__b", "op": "equals", "value": "x"}], "conditions[0].field"),
        ([{"field": "attributes.0", "op": "equals", "value": "x"}], "conditions[0].field"),
        ([{"field": "language", "op": "equals", "value": "en"}, {"field": "attributes.ltv", "op": "gt", "value": "a"}],
         "conditions[1].value"),
        ([{"field": "attributes.ltv", "op": "gt", "value": True}], "conditions[0].value"),
        ([{"field": "attributes.x", "op": "before", "value": "31/01/2026"}], "conditions[0].value"),
        ([{"field": "language", "op": "one_of", "value": []}], "conditions[0].value"),
        ([{"field": "language", "op": "equals", "value": "en", "extra": 1}], "conditions[0].extra"),
        ([{"field": "answers", "op": "answered", "segment": "grumpy"}], "conditions[0].segment"),
        ([{"field": "answers", "op": "answered", "days": 0}], "conditions[0].days"),
        ([{"field": "answers", "op": "answered", "survey": 999999}], "conditions[0].survey"),
        ([{"field": "answers", "op": "answered", "score_min": 7, "score_max": 3}], "conditions[0].score_max"),
        ([{"field": "language", "op": "equals", "value": "a\x00b"}], "conditions[0].value"),  # PostgreSQL refuses NUL
        ([{"field": "answers", "op": "answered", "days": 10**9}], "conditions[0].days"),  # past year 1
        ([{"field": "customer_since", "op": "within_days", "value": 10**9}], "conditions[0].value"),
        ([{"field": "answers", "op": "answered", "survey": 2**40}], "conditions[0].survey"),  # past an integer
        ([{"field": "attributes.x", "op": "gt", "value": 1e300}], "conditions[0].value"),
        (["not an object"], "conditions[0]"),
        ({"field": "language"}, "conditions"),
    ],
)  # fmt: skip
def test_a_wrong_condition_is_named(conditions, field):
    problems = condition_problems(conditions)
    assert list(problems) == [field], problems


def test_a_saved_segment_is_checked_and_names_the_wrong_part():
    actor = Actor.system("tests")
    with pytest.raises(ValidationError) as error:
        save_audience(actor=actor, audience=Audience(name="x", conditions=[{"field": "plan", "op": "equals"}]))
    assert list(error.value.message_dict) == ["conditions[0].field"]
    saved = save_audience(actor=actor, audience=Audience(name=" Pro ", conditions=[]))
    assert saved.name == "Pro"
    with pytest.raises(ValidationError) as error:
        save_audience(actor=actor, audience=Audience(name="pro"))
    assert list(error.value.message_dict) == ["name"]


def test_tags_have_one_spelling_and_filter_both_ways(people):
    vip, beta = Tag.objects.create(name="vip"), Tag.objects.create(name="beta")
    people["ann"].tags.add(vip, beta)
    people["bo"].tags.add(beta)
    assert names([{"field": "tags", "op": "has", "value": " VIP "}]) == {"ann"}
    assert names([{"field": "tags", "op": "has_any", "value": ["vip", "beta"]}]) == {"ann", "bo"}
    assert names([{"field": "tags", "op": "lacks", "value": "beta"}]) == {"cy", "di", "ed"}
    assert matching_contacts([{"field": "tags", "op": "has_any", "value": ["vip", "beta"]}]).count() == 2  # no doubles


def _answer(contact, survey, score, days_ago, segment=None):
    answer = Answer.objects.create(
        survey=survey, contact=contact, score=score, answered_at=timezone.now() - timedelta(days=days_ago)
    )
    if segment:  # the Feedback the worker makes, with the segment the rule placed
        Feedback.objects.create(
            source="survey", answer=answer, survey=survey, contact=contact, kind=survey.kind,
            scale_min=0, scale_max=10, score=score, segment=segment,
        )  # fmt: skip
    return answer


def test_answers_filters_agree_with_the_raw_rows(people):
    nps, other = SurveyFactory(), SurveyFactory()
    _answer(people["ann"], nps, 3, 10, Segment.DETRACTOR)
    _answer(people["ann"], nps, 9, 200, Segment.PROMOTER)
    _answer(people["bo"], nps, 8, 40, Segment.PASSIVE)
    _answer(people["cy"], other, 2, 5, Segment.DETRACTOR)
    _answer(people["di"], nps, 5, 400, Segment.DETRACTOR)

    def raw(op="answered", days=None, survey=None, segment=None, low=None, high=None) -> set[str]:
        """The same question answered from the rows in Python."""
        hits = set()
        for answer in Answer.objects.select_related("contact"):
            feedback = Feedback.objects.filter(answer=answer).first()
            if (
                (days is None or answer.answered_at >= timezone.now() - timedelta(days=days))
                and (survey is None or answer.survey_id == survey)
                and (segment is None or (feedback and feedback.segment == segment))
                and (low is None or answer.score >= low)
                and (high is None or answer.score <= high)
            ):
                hits.add(answer.contact.name)
        return hits if op == "answered" else set(people) - hits

    cases = [
        {"days": 90, "segment": "detractor"},
        {"days": 90, "segment": "detractor", "survey": nps.pk},
        {"segment": "detractor"},
        {"score_min": 7, "score_max": 9},
        {"days": 30},
        {"survey": other.pk},
        {},
    ]
    for parts in cases:
        for op in ("answered", "not_answered"):
            condition = {"field": "answers", "op": op, **parts}
            expected = raw(
                op, parts.get("days"), parts.get("survey"), parts.get("segment"),
                parts.get("score_min"), parts.get("score_max"),
            )  # fmt: skip
            assert names([condition]) == expected, condition
    # one answer meets every part: ann's promoter answer is old, her recent one a detractor's
    assert names([{"field": "answers", "op": "answered", "days": 90, "segment": "promoter"}]) == set()
    assert names([{"field": "answers", "op": "not_answered"}]) == {"ed"}


def test_the_preview_counts_and_shows_the_first_ten(people):
    for index in range(12):
        ContactFactory(attributes={"plan": "pro"}, name=f"p{index:02}")
    count, sample = preview([{"field": "attributes.plan", "op": "equals", "value": "pro"}])
    assert count == 13 and len(sample) == 10
    assert sample[0] == people["ann"]  # in the order a send invites them
