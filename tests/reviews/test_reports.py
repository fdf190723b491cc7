import csv
import io
import random
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from openpyxl import load_workbook

from reviews import reports, rollups
from reviews.exports import export, safe_cell
from reviews.models import Feedback, FeedbackRollup
from surveys.segments import segment_for
from tests.factories import ContactFactory, SurveyFactory

pytestmark = pytest.mark.django_db
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "star": (1, 5)}


def feedback(kind="nps", score=9, day=date(2026, 3, 2), contact=None, survey=None, source="survey"):
    low, high = SCALES[kind]
    segment, reason = segment_for(kind, score, high)
    return Feedback.objects.create(
        kind=kind,
        scale_min=low,
        scale_max=high,
        score=score,
        segment=segment,
        segment_reason=reason,
        received_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12),
        contact=contact,
        survey=survey,
        source=source,
        language="en",
    )


def raw_totals():
    rows = (
        Feedback.objects.annotate(day=TruncDate("received_at"))
        .values("day", "kind")
        .annotate(
            n=Count("pk"),
            score_sum=Sum("score"),
            detractors=Count("pk", filter=Q(segment="detractor")),
        )
    )
    return {(r["day"], r["kind"]): (r["n"], r["score_sum"], r["detractors"]) for r in rows}


def rollup_totals():
    rows = FeedbackRollup.objects.values("day", "kind").annotate(
        n=Sum("n"), score_sum=Sum("score_sum"), detractors=Sum("detractors")
    )
    return {(r["day"], r["kind"]): (r["n"], r["score_sum"], r["detractors"]) for r in rows}


def test_the_rollups_agree_with_the_raw_rows_after_random_inserts_and_reclassification():
    rng = random.Random(5)
    contacts = [ContactFactory(attributes={"plan": rng.choice(["pro", "starter"])}) for _ in range(5)]
    rows = []
    for _ in range(300):
        kind = rng.choice(list(SCALES))
        low, high = SCALES[kind]
        rows.append(
            feedback(
                kind,
                rng.randint(low, high),
                date(2026, 3, 1) + timedelta(days=rng.randrange(20)),
                contact=rng.choice(contacts),
            )
        )
    assert rollups.refresh() > 0
    assert rollup_totals() == raw_totals()
    for row in rng.sample(rows, 40):  # a changed answer or a re-classification
        low, high = SCALES[row.kind]
        row.score = rng.randint(low, high)
        row.segment, row.segment_reason = segment_for(row.kind, row.score, high)
        row.save()
    for _ in range(30):
        feedback("nps", rng.randint(0, 10), date(2026, 3, 1) + timedelta(days=rng.randrange(20)))
    rollups.refresh()
    assert rollup_totals() == raw_totals()
    plans = dict(FeedbackRollup.objects.values("plan").annotate(n=Sum("n")).values_list("plan", "n"))
    assert plans["pro"] + plans["starter"] == Feedback.objects.filter(contact__isnull=False).count()
    assert plans["pro"] == Feedback.objects.filter(contact__attributes__plan="pro").count() > 0
    assert rollups.refresh() == 0  # nothing changed since


def test_nps_trend_by_week_with_n_and_interval():
    for score in [10] * 50 + [7] * 30 + [2] * 20:
        feedback("nps", score, date(2026, 3, 2))  # a Monday
    feedback("nps", 0, date(2026, 3, 9))
    rollups.refresh()
    report = reports.parse_filter({"from": "2026-03-01", "to": "2026-03-15", "interval": "week"})
    first, second = reports.trend(report)
    assert (first["n"], round(first["score"], 1), round(first["margin"], 1)) == (100, 30.0, 15.3)
    assert second["n"] == 1 and second["low_n"] and second["score"] == -100


def test_csat_top2_box_and_mean_and_ces_mean():
    for score in (5, 5, 4, 3, 1):
        feedback("csat", score)
    for score in (7, 6, 2):
        feedback("ces", score)
    rollups.refresh()
    csat = reports.summary(reports.parse_filter({"from": "2026-03-01", "to": "2026-03-31"}, kind="csat"))
    assert csat["top2_box"] == 60.0 and csat["mean"] == 3.6 and csat["n"] == 5
    ces = reports.summary(reports.parse_filter({"from": "2026-03-01", "to": "2026-03-31"}, kind="ces"))
    assert ces["mean"] == 5.0


def test_a_change_inside_the_noise_is_not_a_trend():
    for day, scores in ((date(2026, 3, 2), [10, 10, 2, 8]), (date(2026, 3, 9), [10, 2, 2, 8])):
        for score in scores:
            feedback("nps", score, day)
    rollups.refresh()
    points = reports.trend(reports.parse_filter({"from": "2026-03-01", "to": "2026-03-15"}))
    change = reports.change(points)
    assert change["difference"] == -50.0 and not change["significant"]


def test_a_large_change_is_significant():
    for day, promoters in ((date(2026, 3, 2), 300), (date(2026, 3, 9), 100)):
        for score in [10] * promoters + [1] * (400 - promoters):
            feedback("nps", score, day)
    rollups.refresh()
    change = reports.change(reports.trend(reports.parse_filter({"from": "2026-03-01", "to": "2026-03-15"})))
    assert change["significant"] and change["difference"] == -100.0


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"interval": "fortnight"}, "interval", "Unknown interval fortnight"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "to", "is before the start date"),
        ({"survey": "999"}, "survey", "There is no survey 999"),
        ({"from": "yesterday"}, "from", "must be a date"),
    ],
)
def test_a_bad_parameter_names_itself(params, field, message):
    with pytest.raises(ValidationError) as error:
        reports.parse_filter(params)
    assert message in error.value.message_dict[field][0]


def test_breakdown_by_survey_names_each():
    one, two = SurveyFactory(name="Onboarding"), SurveyFactory(name="Delivery")
    feedback("nps", 10, survey=one)
    feedback("nps", 0, survey=two)
    feedback("nps", 0, survey=two)
    rollups.refresh()
    rows = reports.breakdown(reports.parse_filter({"from": "2026-03-01", "to": "2026-03-31"}), "survey_id")
    assert [(r["label"], r["n"], r["score"]) for r in rows] == [("Delivery", 2, -100.0), ("Onboarding", 1, 100.0)]


def test_exports_neutralise_formulas_and_read_in_excel():
    rows = [{"label": '=HYPERLINK("http://evil")', "n": 3}, {"label": "快递 +1", "n": -2}, {"label": "@SUM", "n": 1}]
    response = export(rows, ["label", "n"], name="t", file_format="csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert lines[1][0].startswith("'=") and lines[2][0] == "快递 +1" and lines[3][0] == "'@SUM"
    assert lines[2][1] == "-2"  # numbers stay numbers
    workbook = load_workbook(io.BytesIO(export(rows, ["label", "n"], name="t", file_format="xlsx").content))
    cell = workbook.active["A2"]
    assert cell.value == '\'=HYPERLINK("http://evil")' and cell.data_type == "s"
    assert safe_cell("\tcmd") == "'\tcmd" and safe_cell("-5") == "'-5"


def test_the_reports_page_and_api_are_for_managers(client, agent, manager):
    client.force_login(agent)
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/loop/").status_code == 403
    assert client.get("/api/v1/metrics/nps/").status_code == 403
    client.force_login(manager)
    assert client.get("/reports/").status_code == 200
    assert client.get("/reports/loop/").status_code == 200


def test_the_page_shows_the_same_message_as_the_api_for_a_bad_parameter(client, manager):
    client.force_login(manager)
    page = client.get("/reports/?from=2026-05-01&to=2026-04-01")
    assert page.status_code == 400
    assert "is before the start date" in page.content.decode() and "<svg" not in page.content.decode()
    api = client.get("/api/v1/metrics/csat/?from=2026-05-01&to=2026-04-01")
    assert api.status_code == 400 and "is before the start date" in api.json()["to"][0]


def test_the_api_gives_points_with_n_and_interval(client, manager):
    for score in (10, 9, 3):
        feedback("nps", score, date.today())
    client.force_login(manager)
    body = client.get("/api/v1/metrics/nps/?interval=day").json()
    assert body["summary"]["n"] == 3 and round(body["summary"]["score"], 1) == 33.3
    assert body["points"][-1]["n"] == 3 and body["points"][-1]["low_n"] is True


def test_the_page_exports_its_tables(client, manager):
    feedback("nps", 10, date.today())
    client.force_login(manager)
    response = client.get("/reports/?export=trend&format=xlsx")
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert client.get("/reports/?export=breakdown&format=csv").content.decode().startswith("\ufefflabel,n")


def test_a_chart_point_drills_down_to_its_feedback(client, manager, agent):
    one = feedback("nps", 2, date(2026, 3, 3))
    feedback("nps", 9, date(2026, 3, 20))
    one.comment = "<b>late</b>"
    one.save()
    client.force_login(manager)
    page = client.get("/reports/?from=2026-03-01&to=2026-03-31&interval=week").content.decode()
    link = "/reports/feedback/?kind=nps&amp;from=2026-03-02&amp;to=2026-03-08&amp;interval=week"
    assert link in page
    listed = client.get(link.replace("&amp;", "&")).content.decode()
    assert "&lt;b&gt;late&lt;/b&gt;" in listed and "n = 1" in listed
    client.force_login(agent)
    assert client.get("/reports/feedback/?from=2026-03-01").status_code == 200
    assert client.get("/reports/feedback/?interval=year").status_code == 400


def test_minefields_wow_moments_and_churned_comments(client, manager):
    from reviews.ingest import ingest_answer
    from surveys.models import Answer
    from tests.surveys.helpers import sent_invitation

    def answer(score, comment, **contact):
        invitation, _ = sent_invitation(contact=ContactFactory(**contact))
        made = Answer.objects.create(
            invitation=invitation, survey=invitation.survey, contact=invitation.contact, score=score, comment=comment
        )
        return ingest_answer(answer=made, announce=False)

    answer(2, "The parcel arrived late again")
    answer(1, "Late delivery, box damaged")
    answer(10, "Support was so helpful")
    answer(0, "Too expensive, I'm done", attributes={"status": "churned"})
    rollups.refresh()
    report = reports.parse_filter({"interval": "week"})
    minefields = reports.top_topics(report, "detractor")
    assert minefields[0]["topic__slug"] == "delivery" and minefields[0]["n"] == 2
    assert minefields[0]["examples"][0]["comment"] in {"The parcel arrived late again", "Late delivery, box damaged"}
    assert [t["topic__slug"] for t in reports.top_topics(report, "promoter")] == ["customer_service"]
    assert [c["comment"] for c in reports.churned_last_comments(report)] == ["Too expensive, I'm done"]
    client.force_login(manager)
    page = client.get("/reports/").content.decode()
    assert "Minefields" in page and "Late delivery, box damaged" in page


def test_breakdowns_by_topic_and_lifecycle_cohort():
    from reviews.ingest import ingest_answer
    from surveys.models import Answer
    from tests.surveys.helpers import sent_invitation

    for score, comment, since in ((1, "parcel late", 5), (9, "parcel fast", 400), (10, "great support", 400)):
        invitation, _ = sent_invitation(contact=ContactFactory(customer_since=date.today() - timedelta(days=since)))
        made = Answer.objects.create(
            invitation=invitation, survey=invitation.survey, contact=invitation.contact, score=score, comment=comment
        )
        ingest_answer(answer=made, announce=False)
    rollups.refresh()
    report = reports.parse_filter({})
    topics = {row["label"]: (row["n"], row["score"]) for row in reports.breakdown(report, "topic")}
    assert topics["Delivery"] == (2, 0.0) and topics["Customer service"] == (1, 100.0)
    cohorts = {row["label"]: row["n"] for row in reports.breakdown(report, "lifecycle_stage")}
    assert cohorts == {"established": 2, "new": 1}
    new_only = reports.summary(reports.parse_filter({"lifecycle_stage": "new"}))
    assert new_only["n"] == 1 and new_only["score"] == -100


def test_the_explorer_filters_highlights_and_exports(client, manager):
    from reviews.ingest import ingest_answer
    from surveys.models import Answer
    from tests.surveys.helpers import sent_invitation

    for score, comment in ((1, "=cmd| 快递太慢了，我要退款，再也不买了"), (10, "客服很耐心，问题解决了")):
        invitation, _ = sent_invitation(contact=ContactFactory(language="zh-hans"))
        made = Answer.objects.create(
            invitation=invitation, survey=invitation.survey, contact=invitation.contact, score=score, comment=comment
        )
        ingest_answer(answer=made, announce=False)
    client.force_login(manager)  # an agent sees only their teams' customers (tests/followup/test_visibility.py)
    page = client.get("/reports/feedback/", {"churn_intent": "leaving", "topic": "refunds"}).content.decode()
    # The learned model marks the n-grams that weighed most, merged into phrases ("我要退款"), not keywords alone.
    assert "n = 1" in page and re.search(r'<mark class="label-phrase">[^<]*退款[^<]*</mark>', page)
    assert "客服很耐心" not in page
    positive = client.get("/reports/feedback/", {"q": "耐心", "sentiment": "positive"}).content.decode()
    assert "n = 1" in positive and re.search(r'<mark class="label-phrase">[^<]*耐心[^<]*</mark>', positive)
    exported = client.get("/reports/feedback/", {"export": "csv"}).content.decode("utf-8")
    assert exported.startswith("\ufeff") and "'=cmd| 快递太慢了" in exported
