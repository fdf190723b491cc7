"""People correct labels: the feedback and its case follow at once, re-classification keeps the person's
label, and the trainer reads the latest correction per feedback and field."""

import pytest
from django.core.exceptions import ValidationError

from feedback_platform.models import ActivityEntry
from followup.models import Team
from reviews.corrections import correct_label, training_rows
from reviews.ingest import ingest_answer
from reviews.models import LabelCorrection, Topic
from tests.followup.helpers import detractor_case, detractor_feedback

pytestmark = pytest.mark.django_db


def test_a_churn_correction_changes_the_label_and_the_case_priority_at_once(agent):
    case = detractor_case(comment="The app is slow today")
    assert case.feedback.churn_intent == "none"
    before = case.priority
    correction = correct_label(actor=agent, feedback=case.feedback, kind="churn", value="leaving")
    case.refresh_from_db()
    case.feedback.refresh_from_db()
    assert case.feedback.churn_intent == "leaving" and case.churn_intent == "leaving"
    assert case.priority == before + 20
    assert any(f["factor"] == "churn_intent" for f in case.priority_factors)
    assert correction.old_value == "none" and correction.new_value == "leaving" and correction.corrected_by == agent
    assert case.feedback.explanation["corrected"]["churn"]["by"] == agent.username
    entry = ActivityEntry.objects.get(action="reviews.feedback.label_corrected")
    assert entry.actor_user_id == agent.pk and entry.payload["new"] == "leaving"


def test_a_sentiment_correction_moves_the_priority_both_ways(agent):
    case = detractor_case(comment="Everything is wonderful and great")
    correct_label(actor=agent, feedback=case.feedback, kind="sentiment", value="negative")
    case.refresh_from_db()
    assert {f["factor"] for f in case.priority_factors} >= {"negative_sentiment"}
    correct_label(actor=agent, feedback=case.feedback, kind="sentiment", value="positive")
    case.refresh_from_db()
    assert "negative_sentiment" not in {f["factor"] for f in case.priority_factors}


def test_a_topic_correction_reroutes_an_unowned_case(agent):
    billing = Team.objects.create(name="Billing", topics=["billing"])
    case = detractor_case(comment="Nothing works")
    owned = detractor_case(comment="Nothing works at all")
    case.owner = None
    case.save()
    assert owned.owner is not None
    correct_label(actor=agent, feedback=owned.feedback, kind="topic_added", value="billing")
    owned.refresh_from_db()
    assert owned.team.is_default  # an agent already works it: it stays
    correct_label(actor=agent, feedback=case.feedback, kind="topic_added", value="billing")
    case.refresh_from_db()
    assert case.team == billing
    assert "billing" in case.feedback.topics.values_list("slug", flat=True)


def test_a_corrected_label_outlives_a_reclassification(agent):
    feedback = detractor_feedback(comment="The invoice was wrong, I'm cancelling my account")
    assert "billing" in set(feedback.topics.values_list("slug", flat=True))
    correct_label(actor=agent, feedback=feedback, kind="sentiment", value="neutral")
    correct_label(actor=agent, feedback=feedback, kind="churn", value="venting")
    correct_label(actor=agent, feedback=feedback, kind="topic_removed", value="billing")
    feedback.refresh_from_db()
    answer = feedback.answer
    answer.comment += "!"  # a changed answer is classified again
    answer.save()
    again = ingest_answer(answer=answer, announce=False)
    assert (again.sentiment_label, again.churn_intent) == ("neutral", "venting")
    assert "billing" not in set(again.topics.values_list("slug", flat=True))


def test_bad_input_is_refused_with_field_errors(agent):
    feedback = detractor_feedback()
    with pytest.raises(ValidationError) as error:
        correct_label(actor=agent, feedback=feedback, kind="topic_added", value="no-such-topic")
    assert "value" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        correct_label(actor=agent, feedback=feedback, kind="sentiment", value="furious")
    assert "value" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        correct_label(actor=agent, feedback=feedback, kind="tone", value="x")
    assert "kind" in error.value.message_dict
    assert not LabelCorrection.objects.exists()


def test_the_same_label_again_stores_nothing(agent):
    feedback = detractor_feedback(comment="The app is slow today")
    assert correct_label(actor=agent, feedback=feedback, kind="churn", value="none") is None
    assert not LabelCorrection.objects.exists()


def test_training_rows_hold_the_latest_correction_per_field_and_the_full_label_set(agent, manager):
    first = detractor_feedback(comment="The invoice was wrong again")
    second = detractor_feedback(comment="Support never answered")
    untouched = detractor_feedback(comment="Delivery was late")
    correct_label(actor=agent, feedback=first, kind="churn", value="leaving")
    correct_label(actor=manager, feedback=first, kind="churn", value="looking")  # the later one wins
    correct_label(actor=agent, feedback=first, kind="topic_added", value="customer_service")
    correct_label(actor=agent, feedback=second, kind="sentiment", value="negative")
    correct_label(actor=agent, feedback=second, kind="topic_added", value="billing")
    correct_label(actor=agent, feedback=second, kind="topic_removed", value="billing")
    rows = {row["text"]: row for row in training_rows("en")}
    assert set(rows) == {first.comment, second.comment}
    assert untouched.comment not in rows
    first.refresh_from_db()
    assert rows[first.comment] == {
        "sentiment": first.sentiment_label,
        "churn": "looking",
        "topics": sorted({*first.topics.values_list("slug", flat=True)}),
        "text": first.comment,
    }
    assert "customer_service" in rows[first.comment]["topics"] and "billing" in rows[first.comment]["topics"]
    assert rows[second.comment]["sentiment"] == "negative" and "billing" not in rows[second.comment]["topics"]
    assert training_rows("ja") == []
    assert Topic.objects.filter(slug="customer_service").exists()
