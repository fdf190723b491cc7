"""Case priority, computed from the feedback and explained factor by factor.

Domain.md: prioritise by severity, not first come first served. Each factor
has a weight admins tune (PriorityWeight rows); the defaults are below.
"""

from django.conf import settings
from django.utils import timezone

from feedback_platform.batch import once_per_batch
from reviews.models import Feedback, Segment

from .models import PriorityWeight

DEFAULT_WEIGHTS = {
    "score": 40,  # scaled by severity: the lowest score gets all of it, a 6 about 40%
    "negative_sentiment": 15,
    "churn_intent": 20,
    "high_value": 10,
    "new_customer": 10,
    "repeat_detractor": 10,
    "public_review": 15,
    # A customer who wrote back after the case was resolved is waiting on us again: near the top of the queue.
    "reopened_by_customer": 30,
}
# Detractor kinds (domain.md): (a) leaving and (b) looking weigh fully, (c) disappointed half.
CHURN_INTENT_SHARE = {"leaving": 1.0, "looking": 1.0, "disappointed": 0.5}


def weights() -> dict[str, int]:
    return once_per_batch(
        "followup.priority_weights",
        lambda: {**DEFAULT_WEIGHTS, **dict(PriorityWeight.objects.values_list("factor", "weight"))},
    )


def priority_factors(feedback: Feedback) -> list[dict]:
    """The factors that apply to this feedback, each with its weight and why."""
    weight = weights()
    factors = []

    def add(name, share, **values):
        # the codes and values are stored, the words are not: followup.names.factor_text says them in the reader's
        # language (the API gives the same codes and values)
        points = round(weight[name] * share)
        if points:
            factors.append({"factor": name, "weight": points, "values": values})

    if feedback.segment == Segment.DETRACTOR:
        span = max(1, feedback.scale_max - feedback.scale_min)
        add(
            "score",
            1 - (feedback.score - feedback.scale_min) / span,
            score=feedback.score,
            scale_max=feedback.scale_max,
        )
    sentiment = feedback.sentiment_score
    if sentiment is not None and sentiment < 0:
        add("negative_sentiment", min(1.0, -sentiment), sentiment=round(sentiment, 2))
    intent = feedback.churn_intent
    if intent in CHURN_INTENT_SHARE:
        add("churn_intent", CHURN_INTENT_SHARE[intent], intent=intent)
    contact = feedback.contact
    if contact is not None:
        value = _number(contact.attributes.get("lifetime_value"))
        if value is not None and value >= settings.FOLLOWUP_HIGH_VALUE:
            add("high_value", 1, lifetime_value=value)
        if contact.customer_since and (timezone.localdate() - contact.customer_since).days <= 90:
            add("new_customer", 1, since=contact.customer_since.isoformat())
        earlier = Feedback.objects.filter(
            contact=contact, segment=Segment.DETRACTOR, received_at__lt=feedback.received_at
        )
        if earlier.exists():
            add("repeat_detractor", 1)
    if feedback.source == "import":
        add("public_review", 1, platform=feedback.platform)
    return factors


def compute_priority(feedback: Feedback, *, floor: int = 0, reopened: bool = False) -> tuple[int, list[dict]]:
    """The priority and its factors; `reopened` when the customer's reply reopened a resolved case."""
    factors = priority_factors(feedback)
    if reopened and weights()["reopened_by_customer"]:
        factors.append(
            {
                "factor": "reopened_by_customer",
                "weight": weights()["reopened_by_customer"],
                "values": {},
            }
        )
    total = min(100, sum(f["weight"] for f in factors))
    if floor > total:
        factors.append({"factor": "rule_floor", "weight": floor - total, "values": {"floor": floor}})
        total = floor
    return total, factors


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
