"""No customer email leaves with a template's prompt or a username for a signature; the agent sees the email
exactly as it will be sent."""

import re
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from feedback_platform.models import ActivityEntry, Profile
from feedback_platform.roles import AGENT
from followup import cases, rules
from followup.emails import AGENT_PART, BRACKET_PROMPT, unwritten_parts
from followup.models import Case, CaseStatus, EmailTemplate, OutboxEmail, RootCause, Rule, Team
from followup.rules import contradictions
from tests.factories import ContactFactory, UserFactory

from .helpers import detractor_case, detractor_feedback

pytestmark = pytest.mark.django_db


def prefilled(page: str, field: str) -> str:
    """The text a case page's form field starts with."""
    textarea = re.search(rf'<textarea[^>]*name="{field}"[^>]*>(.*?)</textarea>', page, re.S)
    if textarea:
        return unescape(textarea.group(1)).lstrip("\n")
    return unescape(re.search(rf'<input[^>]*name="{field}"[^>]*value="([^"]*)"', page).group(1))


def chinese_case(agent):
    case = detractor_case(contact=ContactFactory(language="zh-hans", name="王芳"))
    Profile.objects.filter(user=agent).update(
        display_name="张伟", signatures={"zh-hans": "Northwind 客户关怀团队", "en": "Customer Care"}
    )
    return case


def resolve_post(case, page, **overrides):
    data = {
        "resolve-root_cause": RootCause.objects.get(name="Delivery delay").pk,
        "resolve-summary": "Re-shipped the parcel",  # the internal fields filled in
        "resolve-subject": prefilled(page, "resolve-subject"),
        "resolve-body": prefilled(page, "resolve-body"),
    }
    return {**data, **overrides}


def test_the_finding_resolving_with_the_prefilled_prompt_is_refused_and_nothing_is_queued(client, agent):
    case = chinese_case(agent)
    client.force_login(agent)
    page = client.get(reverse("followup:case", args=[case.pk])).content.decode()
    assert "[[请描述处理措施]]" in prefilled(page, "resolve-body")
    response = client.post(reverse("followup:resolve", args=[case.pk]), resolve_post(case, page))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Replace “请描述处理措施” with your own words before sending." in body
    assert 'id="error_1_id_resolve-body"' in body or "is-invalid" in body  # on the body field
    assert not OutboxEmail.objects.filter(idempotency_key__startswith="resolution:").exists()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.NEW


def test_an_old_style_bracket_prompt_is_refused_too_in_the_agents_language(client, agent):
    case = chinese_case(agent)
    client.force_login(agent)
    page = client.get(reverse("followup:case", args=[case.pk])).content.decode()
    body = "尊敬的王芳：\n\n我们已经做了以下处理：\n\n[请描述处理措施]\n\n谢谢。"
    response = client.post(
        reverse("followup:resolve", args=[case.pk]),
        resolve_post(case, page, **{"resolve-body": body}),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert "请用您自己的话替换“请描述处理措施”后再发送。" in response.content.decode()
    assert not OutboxEmail.objects.filter(idempotency_key__startswith="resolution:").exists()


def test_a_reply_with_the_marked_part_left_is_a_400_naming_the_field(client, agent):
    case = chinese_case(agent)
    client.force_login(agent)
    page = client.get(reverse("followup:case", args=[case.pk])).content.decode()
    data = {"reply-subject": prefilled(page, "reply-subject"), "reply-body": prefilled(page, "reply-body")}
    response = client.post(reverse("followup:reply", args=[case.pk]), data)
    assert response.status_code == 400
    assert "Replace “请填写回复内容” with your own words" in response.content.decode()
    assert not OutboxEmail.objects.filter(idempotency_key__startswith="reply:").exists()
    assert 'data-testid="email-preview"' in response.content.decode()  # the refusal shows the email beside it


def test_the_preview_shows_the_email_as_it_will_be_sent_and_sends_nothing(client, agent):
    case = chinese_case(agent)
    case.team.sender_name, case.team.sender_email = "Northwind 售后", "care-cn@northwind.example"
    case.team.save()
    client.force_login(agent)
    data = {"reply-subject": "关于您的包裹", "reply-body": "尊敬的王芳：\n\n我们已经重新寄出。", "preview": "1"}
    response = client.post(reverse("followup:reply", args=[case.pk]), data)
    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert "Preview: the email as it will be sent" in page
    assert "我们已经重新寄出。\n\n张伟\nNorthwind 客户关怀团队" in page  # the plain text part, signed
    assert "Northwind 售后 <care-cn@northwind.example>" in page or "=?utf-8?" in page
    assert agent.username not in re.search(r'data-testid="preview-text">(.*?)</pre>', page, re.S).group(1)
    assert not OutboxEmail.objects.exists() or not OutboxEmail.objects.filter(idempotency_key__startswith="reply:")
    draft = cases.draft_case_email(case=case, agent=agent, subject=data["reply-subject"], body=data["reply-body"])
    response = client.post(reverse("followup:reply", args=[case.pk]), {**data, "preview": ""})
    assert response.status_code == 302
    sent = OutboxEmail.objects.get(idempotency_key__startswith="reply:")
    assert (sent.body_text, sent.body_html, sent.subject) == (draft.email.text, draft.email.html, draft.email.subject)
    assert sent.from_email == draft.from_email


def test_emails_are_signed_with_the_display_name_and_signature_never_the_username(agent):
    case = chinese_case(agent)
    queued = cases.reply_to_customer(case=case, agent=agent, subject="包裹", body="尊敬的王芳：\n\n已重新寄出。")
    assert queued.body_text.endswith("已重新寄出。\n\n张伟\nNorthwind 客户关怀团队")
    assert agent.username not in queued.body_text and agent.username not in queued.body_html
    english = detractor_case(contact=ContactFactory(language="en"))
    queued = cases.reply_to_customer(case=english, agent=agent, subject="Parcel", body="Dear Ada,\n\nSent again.")
    assert queued.body_text.endswith("\n\n张伟\nCustomer Care")


def test_a_user_without_a_display_name_cannot_send_until_they_set_one(client):
    nameless = UserFactory(role=AGENT, display_name="")
    Team.objects.get(is_default=True).members.add(nameless)
    case = detractor_case()
    client.force_login(nameless)
    page = client.get(reverse("followup:case", args=[case.pk])).content.decode()
    assert 'data-testid="no-display-name"' in page
    response = client.post(reverse("followup:reply", args=[case.pk]), {"reply-subject": "Hi", "reply-body": "Sorry."})
    assert response.status_code == 400
    assert "Set your display name on your profile page before emailing customers" in response.content.decode()
    assert not OutboxEmail.objects.filter(idempotency_key__startswith="reply:").exists()
    response = client.post(
        reverse("profile"),
        {"display_name": "  Kim   Lee ", "language": "en", "signature_en": "Customer Care", "signature_ja": ""},
    )
    assert response.status_code == 302
    assert Profile.objects.get(user=nameless).sign_off("ja") == "Kim Lee\nCustomer Care"
    assert ActivityEntry.objects.filter(action="feedback_platform.profile.updated", actor_user=nameless).exists()
    response = client.post(reverse("followup:reply", args=[case.pk]), {"reply-subject": "Hi", "reply-body": "Sorry."})
    assert response.status_code == 302


def test_the_profile_page_refuses_an_empty_display_name(client, agent):
    client.force_login(agent)
    response = client.post(reverse("profile"), {"display_name": "   ", "language": "en"})
    assert response.status_code == 400
    assert Profile.objects.get(user=agent).display_name == f"Anna {agent.username}"


def test_an_admin_edits_a_profile_in_the_admin(client, admin_user, agent):
    client.force_login(admin_user)
    profile = Profile.objects.get(user=agent)
    url = reverse("admin:feedback_platform_profile_change", args=[profile.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"display_name": "Anna Schmidt", "language": "ja", "signature_ja": "カスタマーケア", "signature_en": ""}
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.sign_off("ja") == "Anna Schmidt\nカスタマーケア"
    assert ActivityEntry.objects.filter(action="feedback_platform.profile.updated", actor_user=admin_user).exists()


def test_a_teams_sender_is_used_for_its_case_emails_and_validated(agent):
    case = detractor_case()
    team = case.team
    team.sender_name, team.sender_email, team.reply_to_email = "Northwind Billing", "billing@northwind.example", ""
    team.full_clean()
    team.save()
    queued = cases.reply_to_customer(case=case, agent=agent, subject="Your bill", body="Dear Ada,\n\nRefunded.")
    message = queued.delivery_message({})
    assert message.from_email == "Northwind Billing <billing@northwind.example>"
    assert message.reply_to == [f"reply+{case.reply_token}@reply.example.com"]
    team.reply_to_email = "billing-replies@northwind.example"
    team.save()
    queued = cases.reply_to_customer(case=case, agent=agent, subject="Again", body="Dear Ada,\n\nDone.")
    assert queued.reply_to == "billing-replies@northwind.example"
    team.sender_name, team.sender_email = "Billing\r\nBcc: x@evil.example", "not-an-address"
    with pytest.raises(ValidationError) as error:
        team.full_clean()
    assert {"sender_name", "sender_email"} <= set(error.value.message_dict)


def test_automatic_emails_are_signed_by_the_team_not_a_person(agent):
    feedback = detractor_feedback(contact=ContactFactory(language="ja", name="田中"))
    rules.act_on_feedback(feedback=feedback)
    apology = OutboxEmail.objects.get()
    assert apology.body_text.endswith("\n\nNorthwind Care チーム")


def test_no_shipped_template_holds_a_prompt_that_could_reach_a_customer():
    automatic = set(Rule.objects.exclude(email_template="").values_list("email_template", flat=True))
    automatic |= {"review_invitation"}
    for template in EmailTemplate.objects.all():
        text = f"{template.subject}\n{template.body}"
        assert not BRACKET_PROMPT.search(AGENT_PART.sub("", text)), template  # prompts are only ever marked
        if template.key in automatic:
            assert not unwritten_parts(text), template  # nothing for an agent to write in what no agent sees
        assert "The Northwind Care team" not in text and "Northwind 客户关怀团队" not in text  # signed on sending
    assert EmailTemplate.objects.filter(key="reply").count() == 3
    assert "sorry" not in EmailTemplate.objects.get(key="reply", language="en").body.lower()


def test_a_rule_cannot_send_a_template_an_agent_must_complete():
    rule = Rule(name="Resolution by itself", email_template="resolution")
    assert "parts an agent must write" in contradictions(rule)["email_template"]
    EmailTemplate.objects.filter(key="apology", language="en").update(body="Dear {name},\n\n[write something]")
    feedback = detractor_feedback()
    rules.act_on_feedback(feedback=feedback)
    assert not OutboxEmail.objects.exists()
    firing = feedback.rule_firings.get()
    assert "apology: not sent, the template has parts an agent must write" in firing.actions


def test_staff_with_a_full_name_keep_signing_after_the_upgrade():
    from importlib import import_module

    from django.apps import apps

    named = UserFactory(role=AGENT, display_name="", first_name="Grace", last_name=" Hopper ")
    nameless = UserFactory(role=AGENT, display_name="")
    import_module("feedback_platform.migrations.0011_display_names_from_full_names").fill_display_names(apps, None)
    assert Profile.objects.get(user=named).display_name == "Grace Hopper"
    assert not Profile.objects.filter(user=nameless).exclude(display_name="").exists()
