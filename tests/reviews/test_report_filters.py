"""Every report section follows every filter: each is checked against a direct count of the raw rows."""

import csv
import io
import random
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from reviews import reports, rollups
from reviews.models import Feedback, Topic
from surveys.models import Answer
from surveys.segments import segment_for
from tests.factories import ContactFactory, SurveyFactory
from tests.surveys.helpers import sent_invitation

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START, END = TODAY - timedelta(days=40), TODAY
FILTERS = [
    {},
    {"survey": "first"},
    {"source": "link"},
    {"source": "survey"},
    {"language": "ja"},
    {"plan": "pro"},
    {"region": "eu"},
    {"product": "app"},
    {"platform": "ios"},
    {"lifecycle_stage": "churned"},
    {"plan": "pro", "language": "en"},
    {"from": (TODAY - timedelta(days=10)).isoformat()},
]


@pytest.fixture
def world():
    """Two surveys, contacts of every attribute, NPS and CSAT feedback with topics and comments, invitations."""
    rng = random.Random(16)
    surveys = [SurveyFactory(name="First survey"), SurveyFactory(name="Second survey")]
    topics = [Topic.objects.get_or_create(slug=f"t{i}", defaults={"name": f"Topic {i}"})[0] for i in range(4)]
    contacts = [
        ContactFactory(
            language=rng.choice(["en", "ja"]),
            attributes={
                "plan": rng.choice(["pro", "starter"]),
                "region": rng.choice(["eu", "us"]),
                "product": rng.choice(["app", "web"]),
            },
        )
        for _ in range(30)
    ]
    for index in range(400):
        kind = "nps" if index % 5 else "csat"
        low, high = (0, 10) if kind == "nps" else (1, 5)
        contact, score = rng.choice(contacts), rng.randint(low, high)
        segment, reason = segment_for(kind, score, high)
        day = TODAY - timedelta(days=rng.randrange(45))
        row = Feedback.objects.create(
            kind=kind,
            scale_min=low,
            scale_max=high,
            score=score,
            segment=segment,
            segment_reason=reason,
            received_at=datetime.combine(day, time(3), tzinfo=timezone.get_current_timezone())
            + timedelta(minutes=index),
            contact=contact,
            survey=rng.choice(surveys),
            source=rng.choice(["survey", "link"]),
            language=contact.language,
            platform=rng.choice(["ios", "android", ""]),
            lifecycle_stage=rng.choice(["new", "established", "churned"]),
            comment=f"comment {index}",
        )
        row.topics.set(rng.sample(topics, rng.randint(0, 2)))
    for _ in range(60):
        invitation, _token = sent_invitation(survey=rng.choice(surveys), contact=rng.choice(contacts))
        if rng.random() < 0.4:
            Answer.objects.create(
                invitation=invitation, survey=invitation.survey, contact=invitation.contact, score=rng.randint(0, 10)
            )
    rollups.refresh()
    return {"first": surveys[0]}


def _params(filters: dict, world: dict) -> dict:
    params = {"from": START.isoformat(), "to": END.isoformat(), "kind": "nps", **filters}
    if "survey" in params:
        params["survey"] = str(world[params["survey"]].pk)
    return params


def _selects(row: Feedback, params: dict) -> bool:
    """The filters read straight off one raw row: the reference the report's sections must match."""
    day = timezone.localdate(row.received_at)
    attributes = row.contact.attributes
    checks = {
        "kind": row.kind,
        "survey": str(row.survey_id),
        "source": row.source,
        "language": row.language,
        "plan": attributes.get("plan"),
        "region": attributes.get("region"),
        "product": attributes.get("product"),
        "platform": row.platform,
        "lifecycle_stage": row.lifecycle_stage,
    }
    in_period = params["from"] <= day.isoformat() <= params["to"]
    return in_period and all(checks[name] == value for name, value in params.items() if name in checks)


def _expected(params: dict) -> dict:
    rows = [
        row for row in Feedback.objects.prefetch_related("topics").select_related("contact") if _selects(row, params)
    ]
    by_segment = {
        segment: Counter(topic.slug for row in rows if row.segment == segment for topic in row.topics.all())
        for segment in ("detractor", "promoter")
    }
    topic_n = Counter(topic.name for row in rows for topic in row.topics.all())
    last_churned: dict = {}
    for row in sorted(rows, key=lambda row: row.received_at):
        if row.lifecycle_stage == "churned":
            last_churned[row.contact_id] = row.comment
    weeks = Counter(
        timezone.localdate(row.received_at) - timedelta(days=timezone.localdate(row.received_at).weekday())
        for row in rows
    )
    return {
        "n": len(rows),
        "detractors": sum(row.segment == "detractor" for row in rows),
        "promoters": sum(row.segment == "promoter" for row in rows),
        "distribution": Counter(row.score for row in rows),
        "weeks": dict(weeks),
        "by_survey": Counter(row.survey.name for row in rows),
        "topics": dict(topic_n),
        "minefields": dict(by_segment["detractor"]),
        "wow": dict(by_segment["promoter"]),
        "churned": set(last_churned.values()),
        "rows": {(row.comment, row.segment) for row in rows},
    }


def _expected_rates(params: dict) -> dict | None:
    from surveys.models import Invitation

    if "platform" in params or "lifecycle_stage" in params:
        return None
    if params.get("source", "survey") != "survey":
        return {}
    result: dict = {}
    for invitation in Invitation.objects.select_related("contact", "survey"):
        contact, sent_on = invitation.contact, timezone.localdate(invitation.sent_at).isoformat()
        wanted = {"language": contact.language, **{k: contact.attributes.get(k) for k in ("plan", "region", "product")}}
        if invitation.survey.kind != params["kind"] or not params["from"] <= sent_on <= params["to"]:
            continue
        if "survey" in params and str(invitation.survey_id) != params["survey"]:
            continue
        if any(wanted[name] != params[name] for name in wanted if name in params):
            continue
        sent, answered = result.get(invitation.survey.name, (0, 0))
        result[invitation.survey.name] = (sent + 1, answered + Answer.objects.filter(invitation=invitation).exists())
    return result


def _sections(params: dict) -> dict:
    report = reports.parse_filter(params)
    summary = reports.summary(report)
    rates = reports.response_rates(report)
    minefields, wow = reports.top_topics(report, "detractor"), reports.top_topics(report, "promoter")
    return {
        "n": summary["n"],
        "detractors": summary["detractors"],
        "promoters": summary["promoters"],
        "distribution": Counter({score: count for score, count in reports.distribution(report) if count}),
        "weeks": {point["period"]: point["n"] for point in reports.trend(report)},
        "by_survey": Counter({row["label"]: row["n"] for row in reports.breakdown(report, "survey_id")}),
        "topics": {row["label"]: row["n"] for row in reports.breakdown(report, "topic")},
        "minefields": {topic["topic__slug"]: topic["n"] for topic in minefields},
        "wow": {topic["topic__slug"]: topic["n"] for topic in wow},
        "churned": {row["comment"] for row in reports.churned_last_comments(report, limit=1000)},
        "examples": {(ex["comment"], "detractor") for topic in minefields for ex in topic["examples"]}
        | {(ex["comment"], "promoter") for topic in wow for ex in topic["examples"]},
        "rates": None if rates is None else {row["survey__name"]: (row["sent"], row["answered"]) for row in rates},
    }


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: "-".join(f) or "none")
def test_every_section_matches_the_raw_rows_under_each_filter(world, filters):
    params = _params(filters, world)
    expected, got = _expected(params), _sections(params)
    for name in ("n", "detractors", "promoters", "distribution", "weeks", "by_survey", "topics", "churned"):
        assert got[name] == expected[name], name
    assert got["minefields"] == expected["minefields"] and got["wow"] == expected["wow"]
    assert got["examples"] <= expected["rows"]  # every quoted comment is one the filters select
    assert got["rates"] == _expected_rates(params)
    if filters:  # the filter changes every section's numbers
        unfiltered = _sections(_params({}, world))
        for name in ("n", "distribution", "by_survey", "topics", "minefields", "wow", "churned"):
            if not (name == "churned" and filters.get("lifecycle_stage") == "churned"):  # the one it cannot change
                assert got[name] != unfiltered[name], name


@pytest.mark.parametrize("filters", [{"survey": "first"}, {"plan": "pro"}, {"platform": "ios"}], ids=str)
def test_the_exports_and_the_api_follow_the_filters(client, manager, world, filters):
    params = _params(filters, world)
    expected = _expected(params)
    client.force_login(manager)
    page = client.get("/reports/", {**params, "by": "topic", "export": "breakdown"}).content.decode("utf-8-sig")
    assert {row["label"]: int(row["n"]) for row in csv.DictReader(io.StringIO(page))} == expected["topics"]
    page = client.get("/reports/", {**params, "export": "trend"}).content.decode("utf-8-sig")
    assert sum(int(row["n"]) for row in csv.DictReader(io.StringIO(page))) == expected["n"]
    metric = client.get("/api/v1/metrics/nps/", params).json()
    assert metric["summary"]["n"] == expected["n"] and sum(p["n"] for p in metric["points"]) == expected["n"]


def test_the_page_for_one_survey_shows_no_other_surveys_numbers(client, manager, world):
    client.force_login(manager)
    page = client.get("/reports/", _params({"survey": "first"}, world)).content.decode("utf-8-sig")
    assert "<td>First survey</td>" in page and "<td>Second survey</td>" not in page  # the response-rate rows
