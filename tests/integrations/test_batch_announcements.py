"""A background classification batch opens its cases and records their history together (one statement per
table when the batch ends, not one per case) and still announces every one of them: owners in turn, each case's
timeline, its activity entries, its webhook events and its Slack message, each naming the right case."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback_platform.models import ActivityEntry
from feedback_platform.roles import AGENT
from followup.models import Case, CaseEvent, EventKind, RuleFiring, Team
from integrations.models import SlackDelivery, WebhookDelivery
from reviews.batch import ingest_batch
from reviews.ingest import classify_stored
from reviews.models import Feedback
from tests.factories import UserFactory

from .test_slack import connect

pytestmark = pytest.mark.django_db


def imported_detractors(count: int) -> list[int]:
    items = [
        {"external_id": f"d{n}", "kind": "star", "score": 1, "comment": f"Parcel {n} arrived broken, box crushed"}
        for n in range(count)
    ]
    return list(ingest_batch(items, source="api", platform="", classify_now=False).created)


@pytest.fixture
def two_agents(db):
    team = Team.objects.get(is_default=True)
    agents = [UserFactory(role=AGENT, username=f"agent-{n}") for n in range(2)]
    for agent in agents:
        team.members.add(agent)
    return agents


def test_a_batch_s_cases_go_to_the_agents_in_turn_and_each_is_announced(two_agents, endpoint, slack):
    connect(slack.url)
    ids = imported_detractors(6)
    assert classify_stored(ids) == 6
    cases = list(Case.objects.order_by("pk"))
    assert len(cases) == 6
    owners = [case.owner.username for case in cases]
    assert owners == ["agent-0", "agent-1"] * 3  # round robin inside the batch, not all to the first
    for case in cases:
        kinds = sorted(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
        assert kinds == sorted([EventKind.CREATED, EventKind.ASSIGNED])
        firing = RuleFiring.objects.get(feedback=case.feedback, rule__open_case=True)
        assert f"opened case {case.pk}" in firing.actions  # the note names the case the batch inserted
    opened = ActivityEntry.objects.filter(action="followup.case.opened")
    assert sorted(int(entry.target_id) for entry in opened) == [case.pk for case in cases]
    assert ActivityEntry.objects.filter(action="followup.case.assigned").count() == 6
    # Every entry announced once it had its id: a webhook event and a Slack message per case.
    events = WebhookDelivery.objects.filter(endpoint=endpoint, event_type="case.opened")
    assert sorted(json.loads(delivery.body)["data"]["case"] for delivery in events) == [case.pk for case in cases]
    assert WebhookDelivery.objects.filter(endpoint=endpoint, event_type="case.assigned").count() == 6
    assert sorted(SlackDelivery.objects.values_list("case_id", flat=True)) == [case.pk for case in cases]


def test_a_batch_writes_its_cases_and_their_history_in_one_statement_each(two_agents):
    ids = imported_detractors(6)
    with CaptureQueriesContext(connection) as queries:
        assert classify_stored(ids) == 6
    statements = [query["sql"] for query in queries.captured_queries]

    def count(prefix: str) -> int:
        return sum(sql.startswith(prefix) for sql in statements)

    # PostgreSQL hands out the cases' ids first; elsewhere each case is inserted as it opens.
    assert count('INSERT INTO "followup_case"') == (1 if connection.vendor == "postgresql" else 6)
    assert count('INSERT INTO "followup_caseevent"') == 1
    assert count('INSERT INTO "feedback_platform_activityentry"') == 1
    assert count('SELECT "followup_team"') <= 3  # the routing (routed teams, the default one), the lock once
    assert count('SELECT "followup_teammembership"') == 1
    assert count('SELECT "followup_case"') == 1  # the batch's cases, for the rules and for opening
    assert Case.objects.count() == 6


def test_the_same_text_from_other_authors_and_a_burst_are_found_for_a_whole_batch():
    """Suspicion reads the batch's rows together (two queries), the rows of the batch itself included."""
    from reviews.imports import import_reviews

    rows = ["review_id,rating,review,author,product,date"]
    rows += [
        f"s{n},1,Terrible seller do not buy from them ever,author{n % 3},SKU-9,2026-11-0{1 + n % 2}" for n in range(6)
    ]
    rows += ["t0,1,My own words about a late parcel,solo,SKU-1,2026-11-01"]
    rows += [f"b{n},2,Late again and the box was open,burst{n},SKU-7,2026-11-03T0{n}:00:00+00:00" for n in range(5)]
    rows += [f"q{n},2,Late again but only a little,quiet{n},SKU-8,2026-11-0{1 + 2 * n}" for n in range(4)]
    import_reviews(data="\n".join(rows).encode(), filename="suspicion.csv", platform="shop")
    ids = list(Feedback.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        classify_stored(ids)
    reasons = {
        row.external_id.removeprefix("shop:"): row.explanation["suspicion"]["reasons"] for row in Feedback.objects.all()
    }
    assert reasons["s0"]["same_text_other_authors"] == "the same text from 2 other author(s)"
    assert "same_text_other_authors" not in reasons["t0"]
    assert "low_score_burst" in reasons["b0"] and "5 low scores on SKU-7" in reasons["b0"]["low_score_burst"]
    assert not any("low_score_burst" in reasons[f"q{n}"] for n in range(4))  # four, days apart: no burst
    reads = [q["sql"] for q in queries.captured_queries if "reviews_feedback" in q["sql"] and "COUNT" in q["sql"]]
    assert len(reads) == 2  # other authors and bursts, once each for the batch


def test_a_batch_routes_and_announces_each_feedback_with_the_topics_it_was_given(endpoint):
    """The rules, the routing and the events read the topics the batch attached (prefetched, not re-read)."""
    logistics = Team.objects.create(name="Logistics", topics=["delivery"])
    items = [
        {"external_id": "late", "kind": "star", "score": 1, "comment": "The parcel arrived a week late, box crushed"},
        {"external_id": "rude", "kind": "star", "score": 1, "comment": "Customer service was rude and never answered"},
    ]
    ids = list(ingest_batch(items, source="api", platform="", classify_now=False).created)
    classify_stored(ids)
    late, rude = (Feedback.objects.get(external_id=key) for key in ("late", "rude"))
    assert "delivery" in late.topic_slugs() and "delivery" not in rude.topic_slugs()
    assert Case.objects.get(feedback=late).team == logistics
    assert Case.objects.get(feedback=rude).team == Team.objects.get(is_default=True)
    classified = WebhookDelivery.objects.filter(endpoint=endpoint, event_type="feedback.classified")
    topics = {json.loads(row.body)["data"]["feedback"]: json.loads(row.body)["data"]["topics"] for row in classified}
    assert "delivery" in topics[late.pk] and "delivery" not in topics[rude.pk]
