"""The manager's home: each tile shows the number of the report it links to, and the page stays cheap."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from followup.models import Case, CaseStatus, RecoveryOutcome
from reviews.models import Feedback
from surveys.segments import segment_for

from .helpers import detractor_case

pytestmark = pytest.mark.django_db
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "star": (1, 5)}
HOME_QUERY_BUDGET = 30  # session, user, permissions, the rollup refresh, 2 per kind, 2 for cases, 2 for the loop


def answer(kind: str, score: int, days_ago: int) -> Feedback:
    low, high = SCALES[kind]
    segment, reason = segment_for(kind, score, high)
    day = timezone.localdate() - timedelta(days=days_ago)
    return Feedback.objects.create(
        kind=kind,
        scale_min=low,
        scale_max=high,
        score=score,
        segment=segment,
        segment_reason=reason,
        received_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12),
        source="survey",
        language="en",
    )


def some_answers(scale: int = 1):
    """NPS over two weeks (so there is a change), CSAT in one: the kinds in use are NPS and CSAT."""
    for i in range(3 * scale):
        answer("nps", 10, days_ago=10)
        answer("nps", 3 + i % 3, days_ago=10)
        answer("nps", 9, days_ago=2)
        answer("csat", 4 + i % 2, days_ago=3)


def some_cases(scale: int = 1):
    """Open (fresh: not due yet), overdue, answered, closed and recovered detractor cases."""
    now = timezone.now()
    made = [detractor_case() for _ in range(5 * scale)]
    overdue, answered, closed, recovered = made[0::5], made[1::5], made[2::5], made[3::5]  # and made[4::5] fresh
    Case.objects.filter(pk__in=[c.pk for c in overdue]).update(first_response_due=now - timedelta(hours=3))
    Case.objects.filter(pk__in=[c.pk for c in answered]).update(first_responded_at=now, status=CaseStatus.IN_PROGRESS)
    Case.objects.filter(pk__in=[c.pk for c in closed + recovered]).update(
        first_responded_at=now, status=CaseStatus.RESOLVED, resolved_at=now
    )
    Case.objects.filter(pk__in=[c.pk for c in recovered]).update(recovery_outcome=RecoveryOutcome.PASSIVE)
    Case.objects.filter(pk__in=[c.pk for c in closed]).update(recovery_outcome=RecoveryOutcome.DETRACTOR)


def shown(page: str, name: str) -> str:
    """The text inside the element marked data-testid=name, tags stripped, spaces squeezed."""
    match = re.search(rf'data-testid="{re.escape(name)}"[^>]*>(.*?)</(?:div|span|strong)>', page, re.S)
    assert match, f"no {name} on the page"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).split())


def link(page: str, name: str) -> str:
    match = re.search(rf'href="([^"]+)" data-testid="{re.escape(name)}"', page)
    assert match, f"no link {name} on the page"
    return html.unescape(match.group(1))


def test_an_agent_keeps_the_queue_as_home(client, agent):
    client.force_login(agent)
    assert client.get(reverse("home")).url == reverse("followup:queue")


def test_each_score_tile_shows_the_number_of_the_report_it_links_to(client, manager):
    some_answers()
    client.force_login(manager)
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="tile-ces"' not in home and 'data-testid="tile-star"' not in home  # kinds not in use
    for kind in ("nps", "csat"):
        url = link(home, f"tile-{kind}-link")
        assert url.startswith(reverse("reviews:overview")) and f"kind={kind}" in url
        report = client.get(url).content.decode()
        assert shown(home, f"tile-{kind}-score") == shown(report, "nps")
    report = client.get(link(home, "tile-nps-link")).content.decode()
    assert shown(home, "tile-nps-change") == shown(report, "change") == "+100.0"
    assert shown(home, "tile-nps-score") == "33.3"  # 9 answers: 6 promoters, 3 detractors (by hand)


def test_each_loop_tile_shows_the_number_of_the_report_it_links_to(client, manager):
    some_cases()
    client.force_login(manager)
    home = client.get(reverse("home")).content.decode()
    report = client.get(link(home, "tile-first-response-link")).content.decode()
    assert (
        link(home, "tile-loops-closed-link")
        == link(home, "tile-recovered-link")
        == link(home, "tile-first-response-link")
    )
    assert shown(home, "tile-first-response-value") == shown(report, "first-response")
    assert shown(home, "tile-loops-closed-value") == shown(report, "loops-closed") == "40%"  # 2 of 5
    assert shown(home, "tile-recovered-value") == shown(report, "recovered") == "50%"  # 1 passive, 1 detractor


def test_the_case_tiles_count_what_the_queue_lists(client, manager):
    some_cases(scale=2)
    client.force_login(manager)
    home = client.get(reverse("home")).content.decode()
    assert shown(home, "tile-open-count") == "6"  # 2 overdue, 2 answered, 2 fresh; the 4 resolved are not open
    for tile, expected in (("tile-open-link", 6), ("tile-overdue-link", 2)):
        queue = client.get(link(home, tile)).content.decode()
        assert re.search(r"<title>\((\d+)\)", queue).group(1) == str(expected)
    assert shown(home, "tile-overdue-link").startswith("2")


def test_the_home_s_queries_do_not_grow_with_the_data(client, manager):
    client.force_login(manager)
    some_answers()
    some_cases()
    client.get(reverse("home"))  # the rollups catch up once
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("home"))
    some_answers(scale=5)
    some_cases(scale=5)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("home")).status_code == 200
    assert len(large) == len(small) <= HOME_QUERY_BUDGET, [q["sql"][:120] for q in large.captured_queries]


def test_a_bad_period_is_a_400_that_names_it(client, manager):
    client.force_login(manager)
    response = client.get(reverse("home"), {"from": "2026-02-30"})
    assert response.status_code == 400 and "2026-01-31" in response.content.decode()
