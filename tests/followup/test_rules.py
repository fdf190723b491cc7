import pytest
from django.core.exceptions import ValidationError

from followup import rules
from followup.models import Case, EmailTemplate, OutboxEmail, Rule, RuleFiring, Team
from tests.factories import ContactFactory, SurveyFactory

from .helpers import detractor_feedback

pytestmark = pytest.mark.django_db


def test_the_default_rules_give_a_detractor_an_apology_and_a_case():
    feedback = detractor_feedback(score=3)
    firings = rules.act_on_feedback(feedback=feedback)
    assert [f.rule.name for f in firings] == ["Detractor: apology and a case within the hour"]
    assert firings[0].reasons == ["segment detractor", "not suspicious"]
    case = Case.objects.get(feedback=feedback)
    assert (case.first_response_due - case.opened_at).total_seconds() == 3600
    apology = OutboxEmail.objects.get(idempotency_key=f"apology:{feedback.pk}")
    assert apology.case == case and apology.reply_to == f"reply+{case.reply_token}@reply.example.com"
    assert firings[0].actions == [f"opened case {case.pk}", f"queued apology email {apology.pk}"]


def test_running_the_rules_twice_fires_nothing_twice():
    feedback = detractor_feedback()
    first = rules.act_on_feedback(feedback=feedback)[0].actions
    rules.act_on_feedback(feedback=feedback)
    assert RuleFiring.objects.count() == 1
    assert RuleFiring.objects.get().actions == first  # the second run ran no action again ("already open")
    assert Case.objects.count() == 1 and OutboxEmail.objects.count() == 1


def test_the_apology_is_in_the_customers_language_and_personal():
    feedback = detractor_feedback(contact=ContactFactory(language="ja", name="田中"))
    rules.act_on_feedback(feedback=feedback)
    apology = OutboxEmail.objects.get()
    assert apology.subject.startswith("田中 様")
    assert "詳しくお聞かせ" in apology.body_text


def test_a_name_with_markup_is_escaped_in_the_html_and_braces_stay_literal():
    feedback = detractor_feedback(contact=ContactFactory(name="<b>Eve</b> {score}"))
    rules.act_on_feedback(feedback=feedback)
    apology = OutboxEmail.objects.get()
    assert "&lt;b&gt;Eve&lt;/b&gt; {score}" in apology.body_html
    assert "<b>Eve</b>" not in apology.body_html


def test_a_suspicious_feedback_gets_no_reply_and_goes_to_the_review_queue(monkeypatch):
    feedback = detractor_feedback()
    feedback.is_suspicious = True
    rules.act_on_feedback(feedback=feedback)
    assert not OutboxEmail.objects.exists()
    assert Case.objects.get(feedback=feedback).team.name == "Review queue"


def test_an_attribute_condition_and_a_notify_action():
    team = Team.objects.create(name="VIP desk")
    lead = team.lead = __import__("tests.factories", fromlist=["UserFactory"]).UserFactory(email="lead@example.com")
    team.save()
    Rule.objects.create(
        name="VIP detractors",
        position=5,
        segments=["detractor"],
        attribute_conditions=[{"attribute": "lifetime_value", "op": "gte", "value": 1000}],
        notify_team=team,
    )
    rich = detractor_feedback(contact=ContactFactory(attributes={"lifetime_value": 2500}))
    poor = detractor_feedback(contact=ContactFactory(attributes={"lifetime_value": 20}))
    rules.act_on_feedback(feedback=rich)
    rules.act_on_feedback(feedback=poor)
    assert OutboxEmail.objects.filter(idempotency_key__startswith="notify:", to_email=lead.email).count() == 1
    assert RuleFiring.objects.filter(rule__name="VIP detractors").get().feedback == rich


@pytest.mark.parametrize(
    ("fields", "error_field", "message"),
    [
        ({"score_min": 9, "score_max": 3}, "score_max", "above the highest"),
        ({"segments": ["promoter"], "kinds": ["nps"], "score_max": 6}, "segments", "No score from"),
        ({"no_auto_reply": True, "email_template": "apology"}, "no_auto_reply", "cannot both"),
        ({"email_template": "nope"}, "email_template", "no email template with the key nope"),
        (
            {"attribute_conditions": [{"attribute": "plan", "op": "like", "value": "pro"}]},
            "attribute_conditions",
            "like",
        ),
        ({"sentiment_max": 3}, "sentiment_max", "−1 to 1"),
    ],
)
def test_a_contradictory_rule_is_refused_with_a_message_naming_the_problem(fields, error_field, message):
    with pytest.raises(ValidationError) as error:
        Rule(name="Broken", **fields).full_clean()
    assert message in " ".join(error.value.message_dict[error_field])


def test_a_template_with_an_unknown_placeholder_is_refused():
    template = EmailTemplate(key="apology", language="de", subject="Hallo {name}", body="Ihre {order_id} ist da")
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert "Unknown placeholder {order_id}" in error.value.message_dict["body"][0]


def test_everyone_can_be_invited_to_review_when_configured(settings):
    settings.FOLLOWUP_INVITE_EVERYONE_TO_REVIEW = True
    feedback = detractor_feedback(score=7, survey=SurveyFactory(review_url="https://www.yelp.com/biz/northwind"))
    rules.act_on_feedback(feedback=feedback)
    (email,) = OutboxEmail.objects.all()  # one email: the thanks with the invitation's paragraph
    assert email.idempotency_key == f"thank_you:{feedback.pk}"
    assert "https://www.yelp.com/biz/northwind" in email.body_text
    assert "coupon" not in email.body_text.lower() and "discount" not in email.body_text.lower()
