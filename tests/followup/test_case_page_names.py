"""The case page names every code it shows, in the reader's language: priority factors, the segment rule,
tone, language, timeline statuses, call and re-survey outcomes, compensation kinds, escalations, attributes."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from followup import cases
from followup.escalation import FIRST_RESPONSE
from followup.models import Case, CaseEvent, CaseStatus, EventKind
from followup.names import FACTOR_DETAILS, factor_text
from followup.priority import compute_priority
from reviews.classify.tone import TONE_NAMES
from tests.factories import ContactFactory
from tests.test_staff_i18n import SeenText

from .helpers import detractor_case

pytestmark = pytest.mark.django_db
RAW = [
    "score 2/10",
    "sentiment -",
    "new → in_progress",
    "nps 2/10: detractor",
    "reached",
    "free_shipping",
    "first_response",
    "lifetime_value",
]


def worked_case(agent):
    contact = ContactFactory(attributes={"plan": "pro", "lifetime_value": 4200})
    case = detractor_case(score=2, comment="Terrible!!! I am leaving for a competitor", contact=contact)
    cases.claim_case(case=case, user=agent)
    if Case.objects.get(pk=case.pk).status == CaseStatus.NEW:
        cases.change_status(case=case, status=CaseStatus.IN_PROGRESS, actor=agent)
    cases.log_call(case=case, agent=agent, outcome="reached", notes="")
    cases.record_compensation(
        case=case, agent=agent, kind="free_shipping", amount=Decimal("5"), currency="EUR", note=""
    )
    CaseEvent.objects.create(case=case, kind=EventKind.ESCALATED, body=FIRST_RESPONSE, data={"target": FIRST_RESPONSE})
    return Case.objects.get(pk=case.pk)


@pytest.mark.parametrize("language", ["zh-hans", "ja"])
def test_the_case_page_shows_no_code_and_no_english_factor(client, agent, language):
    case = worked_case(agent)
    assert {f["factor"] for f in case.priority_factors} >= {"score", "high_value"}
    client.force_login(agent)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    seen = SeenText()
    seen.feed(client.get(reverse("followup:case", args=[case.pk])).content.decode())
    page = "\n".join(seen.pieces)  # what a person reads: text and read attributes, not option values
    for raw in RAW:
        assert raw not in page, raw
    with translation.override(language):
        expected = [factor_text(f) for f in case.priority_factors]
        assert all(text in page for text in expected), expected
        assert str(CaseStatus.NEW.label) + " → " + str(CaseStatus.IN_PROGRESS.label) in page
        assert str(TONE_NAMES[case.feedback.tone]) in page
        assert "日本語" in page or "日语" in page or "英語" in page or "英语" in page  # the language by its name


def test_a_factor_reads_in_words_and_an_old_one_by_its_name(settings):
    with translation.override("en"):
        assert factor_text({"factor": "score", "values": {"score": 2, "scale_max": 10}}) == "Score 2 of 10"
        assert factor_text({"factor": "score", "detail": "score 2/10"}) == "Score"  # stored before the values
        assert factor_text({"factor": "public_review", "values": {"platform": ""}}) == "Public review"
        assert (
            factor_text({"factor": "churn_intent", "values": {"intent": "leaving"}}) == "Churn intent: Decided to leave"
        )
        assert factor_text({"factor": "made_up"}) == "made_up"


def test_every_factor_the_priority_stores_has_words(agent):
    case = worked_case(agent)
    _, factors = compute_priority(case.feedback, floor=99, reopened=True)
    for factor in factors:
        with translation.override("ja"):
            text = factor_text(factor)
        assert text and "_" not in text and "%(" not in text, factor
        if factor["factor"] in FACTOR_DETAILS and factor["values"].get("platform") != "":
            assert text != factor_text({"factor": factor["factor"]}), f"{factor} is shown by its bare name"
