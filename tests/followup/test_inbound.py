import base64
import io
import json

import pytest
from anymail.inbound import AnymailInboundMessage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from feedback_platform import delivery
from feedback_platform.emails import signed_message_id
from feedback_platform.models import ActivityEntry
from followup import cases
from followup.inbound import receive_email
from followup.models import Case, CaseEvent, CaseStatus, EventKind, InboundEmail, InboundOutcome, OutboxEmail, RootCause
from followup.outbox import deliver_email
from followup.recovery import send_due_recovery_surveys
from followup.rules import act_on_feedback
from surveys.models import Answer, Invitation, Reminder
from tests.surveys.helpers import sent_invitation

from .helpers import detractor_case, detractor_feedback

pytestmark = pytest.mark.django_db


def raw_reply(to: str, *, in_reply_to: str = "", message_id: str = "<r1@customer.example>") -> str:
    return (
        f"From: Ada <ada@customer.example>\r\nTo: {to}\r\nSubject: Re: We are sorry\r\n"
        f"Message-ID: {message_id}\r\n"
        + (f"In-Reply-To: {in_reply_to}\r\n" if in_reply_to else "")
        + "Content-Type: text/plain; charset=utf-8\r\n\r\nThe parcel arrived broken, and I waited 3 weeks.\r\n"
    )


def apology_case():
    feedback = detractor_feedback()
    act_on_feedback(feedback=feedback)
    return feedback.case


def post_to_webhook(client, settings, raw: str):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "inbound:s3cret"}
    auth = base64.b64encode(b"inbound:s3cret").decode()
    return client.post(
        "/anymail/postmark/inbound/",
        data=json.dumps({"RawEmail": raw}),
        content_type="application/json",
        headers={"Authorization": f"Basic {auth}"},
    )


def test_a_reply_to_the_case_address_lands_on_the_timeline(client, settings):
    case = apology_case()
    response = post_to_webhook(client, settings, raw_reply(f"reply+{case.reply_token}@reply.example.com"))
    assert response.status_code == 200
    reply = case.events.get(kind=EventKind.CUSTOMER_REPLY)
    assert "arrived broken" in reply.body and reply.data["from"] == "ada@customer.example"


def test_the_webhook_refuses_a_wrong_secret(client, settings):
    case = apology_case()
    settings.ANYMAIL = {"WEBHOOK_SECRET": "inbound:s3cret"}
    response = client.post(
        "/anymail/postmark/inbound/",
        data=json.dumps({"RawEmail": raw_reply(f"reply+{case.reply_token}@reply.example.com")}),
        content_type="application/json",
        headers={"Authorization": "Basic " + base64.b64encode(b"inbound:guess").decode()},
    )
    assert response.status_code == 400
    assert not case.events.filter(kind=EventKind.CUSTOMER_REPLY).exists()


def test_a_reply_is_matched_by_in_reply_to_and_recorded_once(tmp_path):
    case = apology_case()
    apology = case.emails.get()
    deliver_email(outbox_id=apology.pk)
    apology.refresh_from_db()
    eml = tmp_path / "reply.eml"
    eml.write_text(raw_reply("care@example.com", in_reply_to=apology.provider_message_id))
    out = io.StringIO()
    call_command("feed_inbound_email", str(eml), stdout=out)
    assert f"case {case.pk}" in out.getvalue()
    call_command("feed_inbound_email", str(eml), stdout=out)  # the same Message-ID again
    assert f"already on case {case.pk}" in out.getvalue()
    assert case.events.filter(kind=EventKind.CUSTOMER_REPLY).count() == 1


def test_a_reply_to_a_waiting_case_puts_it_back_in_progress(client, settings, agent):
    from followup.cases import change_status

    case = apology_case()
    change_status(case=case, status=CaseStatus.WAITING, actor=agent)
    post_to_webhook(client, settings, raw_reply(f"reply+{case.reply_token}@reply.example.com"))
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_an_unmatched_email_is_kept_and_sent_to_the_managers(tmp_path, manager):
    apology_case()
    eml = tmp_path / "stray.eml"
    eml.write_text(raw_reply("reply+unknown@reply.example.com"))
    out = io.StringIO()
    call_command("feed_inbound_email", str(eml), stdout=out)
    assert "kept and sent to the managers" in out.getvalue()
    assert not CaseEvent.objects.filter(kind=EventKind.CUSTOMER_REPLY).exists()
    kept = InboundEmail.objects.get()
    assert (kept.outcome, kept.body) == (InboundOutcome.UNMATCHED, "The parcel arrived broken, and I waited 3 weeks.")
    assert OutboxEmail.objects.get(idempotency_key=f"unmatched_reply:{kept.pk}:{manager.pk}").to_email == manager.email


def test_a_made_up_message_id_matches_nothing(tmp_path):
    case = apology_case()
    apology = case.emails.get()
    forged = f"<outbox-{apology.pk}.0123456789abcdef@example.com>"
    row, _created = receive_email(message=parse(raw_reply("care@example.com", in_reply_to=forged)))
    assert row.outcome == InboundOutcome.UNMATCHED
    assert not case.events.filter(kind=EventKind.CUSTOMER_REPLY).exists()


GMAIL_ZH_REPLY = (
    "还是没有收到退款。\r\n\r\nNorthwind Care <care@example.com> 于2026年12月1日周二 10:00写道：\r\n"
    "> 很抱歉给您带来不便。\r\n"
)


def reply_in_thread(sent: OutboxEmail | str, body: str = GMAIL_ZH_REPLY, message_id="<r2@customer.example>"):
    root = sent if isinstance(sent, str) else sent.message_id
    return parse(
        "From: 李雷 <lilei@customer.example>\r\nTo: care@example.com\r\nSubject: Re: 很抱歉\r\n"
        f"Message-ID: {message_id}\r\nIn-Reply-To: {root}\r\nReferences: {root}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
    )


def parse(raw: str):
    return AnymailInboundMessage.parse_raw_mime_bytes(raw.encode("utf-8"))


def test_only_the_new_text_lands_on_the_timeline_and_the_quote_is_kept_folded(client, agent):
    case = apology_case()
    receive_email(message=reply_in_thread(case.emails.get()))
    reply = case.events.get(kind=EventKind.CUSTOMER_REPLY)
    assert reply.body == "还是没有收到退款。"
    assert "很抱歉给您带来不便" in reply.data["quoted"]
    client.force_login(agent)
    page = client.get(reverse("followup:case", args=[case.pk])).content.decode()
    assert '<details class="quoted-thread' in page and "很抱歉给您带来不便" in page


def resolved(case, agent):
    cases.resolve_case(
        case=case,
        agent=agent,
        root_cause=RootCause.objects.get(name="Delivery delay"),
        summary="Refunded",
        subject="What we did",
        body="We refunded you.",
    )
    case.refresh_from_db()
    return case


def test_a_reply_to_a_resolved_case_reopens_it_at_the_top_of_the_queue_and_tells_its_owner(agent):
    case = apology_case()
    cases.claim_case(case=case, user=agent)
    others = [detractor_case(score=0, comment="Terrible, I am leaving") for _ in range(2)]
    case = resolved(case, agent)
    assert case.first_responded_at is not None and case.recovery_due_at is not None
    resolution = case.emails.get(idempotency_key=f"resolution:{case.pk}")

    receive_email(message=reply_in_thread(resolution))

    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.resolved_at is None and case.recovery_due_at is None
    assert case.first_responded_at is None and case.first_response_due > timezone.now()
    assert "reopened_by_customer" in [factor["factor"] for factor in case.priority_factors]
    assert case.priority > max(other.priority for other in others)
    assert list(Case.objects.open().in_queue_order())[0] == case
    assert case.events.filter(kind=EventKind.STATUS, data__reopened_by="customer_reply").exists()
    assert ActivityEntry.objects.filter(action="followup.case.reopened", target_id=str(case.pk)).exists()
    notice = OutboxEmail.objects.get(idempotency_key__startswith="customer_reply:", to_email=agent.email)
    assert "还是没有收到退款。" in notice.body_text and notice.case is None


def test_a_reopened_case_resolved_again_sends_a_second_close_the_loop_email_in_the_thread(agent):
    case = resolved(apology_case(), agent)
    receive_email(message=reply_in_thread(case.emails.get(idempotency_key=f"resolution:{case.pk}")))
    resolved(case, agent)
    again = case.emails.get(idempotency_key=f"resolution:{case.pk}:2")
    assert again.thread_root == case.emails.order_by("pk")[0].message_id and again.subject.startswith("Re: ")


def test_a_reply_to_a_troll_case_keeps_it_closed_and_quiet(agent):
    case = apology_case()
    cases.claim_case(case=case, user=agent)
    cases.mark_troll(case=case, agent=agent, reason="fake order")
    receive_email(message=reply_in_thread(case.emails.get()))
    case.refresh_from_db()
    assert case.status == CaseStatus.SPAM
    assert not OutboxEmail.objects.filter(idempotency_key__startswith="customer_reply:").exists()


def test_every_email_of_a_case_continues_the_apology_s_thread(mailoutbox, agent):
    case = apology_case()
    cases.reply_to_customer(case=case, agent=agent, subject="About your order", body="We are on it.")
    resolved(case, agent)
    for email in case.emails.order_by("pk"):
        deliver_email(outbox_id=email.pk)
    apology, reply, resolution = mailoutbox
    root = apology.extra_headers["Message-ID"]
    assert "In-Reply-To" not in apology.extra_headers
    for later in (reply, resolution):
        assert later.extra_headers["In-Reply-To"] == root and later.extra_headers["References"] == root
        assert later.subject == f"Re: {apology.subject}"
    assert len({m.extra_headers["Message-ID"] for m in mailoutbox}) == 3


def test_the_re_survey_continues_the_thread_and_a_reply_to_it_lands_on_the_case(mailoutbox, agent):
    case = resolved(apology_case(), agent)
    Case.objects.filter(pk=case.pk).update(recovery_due_at=timezone.now())
    assert send_due_recovery_surveys() == 1
    case.refresh_from_db()
    invitation = case.recovery_invitation
    delivery.deliver(model=Invitation, ids=[invitation.pk])
    (resurvey,) = [m for m in mailoutbox if m.extra_headers["Message-ID"].startswith("<invitation-")]
    assert resurvey.extra_headers["In-Reply-To"] == case.emails.order_by("pk")[0].message_id

    receive_email(message=reply_in_thread(resurvey.extra_headers["Message-ID"]))
    case.refresh_from_db()
    assert case.events.filter(kind=EventKind.CUSTOMER_REPLY).exists() and case.status == CaseStatus.IN_PROGRESS


def test_a_reply_to_a_thank_you_joins_the_answer_and_is_classified_again(django_capture_on_commit_callbacks):
    feedback = detractor_feedback(score=8, comment="Fine")
    act_on_feedback(feedback=feedback)
    thanks = OutboxEmail.objects.get(feedback=feedback)
    assert thanks.case is None
    with django_capture_on_commit_callbacks(execute=True):
        row, _created = receive_email(message=reply_in_thread(thanks, body="Actually the parcel was damaged.\r\n"))
    assert row.outcome == InboundOutcome.ANSWER
    feedback.refresh_from_db()
    assert feedback.comment == "Fine\n\nActually the parcel was damaged."


def test_a_reply_to_an_invitation_never_answered_reaches_the_managers(manager):
    invitation, _token = sent_invitation()
    row, _created = receive_email(message=reply_in_thread(signed_message_id("invitation", invitation.pk)))
    assert (row.outcome, row.contact) == (InboundOutcome.UNMATCHED, invitation.contact)
    assert OutboxEmail.objects.filter(idempotency_key=f"unmatched_reply:{row.pk}:{manager.pk}").exists()


def test_a_reply_to_a_reminder_of_an_answered_invitation_joins_the_answer():
    feedback = detractor_feedback(score=9, comment="")
    reminder = Reminder.objects.create(invitation=feedback.answer.invitation)
    row, _created = receive_email(
        message=reply_in_thread(signed_message_id("reminder", reminder.pk), body="Great app\r\n")
    )
    assert row.outcome == InboundOutcome.ANSWER
    assert Answer.objects.get(pk=feedback.answer_id).comment == "Great app"


@pytest.mark.parametrize(
    "header", ["Auto-Submitted: auto-replied", "Precedence: auto_reply", "X-Autoreply: yes", "Precedence: bulk"]
)
def test_an_out_of_office_reply_reopens_nothing_and_wakes_nobody(agent, header):
    case = apology_case()
    cases.claim_case(case=case, user=agent)
    case = resolved(case, agent)
    resolution = case.emails.get(idempotency_key=f"resolution:{case.pk}")
    raw = (
        f"From: Ada <ada@customer.example>\r\nTo: care@example.com\r\nSubject: Out of office\r\n{header}\r\n"
        f"Message-ID: <ooo@customer.example>\r\nIn-Reply-To: {resolution.message_id}\r\n\r\nI am away until Monday.\r\n"
    )
    row, _created = receive_email(message=parse(raw))
    case.refresh_from_db()
    assert (row.outcome, row.case) == (InboundOutcome.AUTO_REPLY, case)
    assert case.status == CaseStatus.RESOLVED
    assert not case.events.filter(kind=EventKind.CUSTOMER_REPLY).exists()
    assert not OutboxEmail.objects.filter(idempotency_key__startswith="customer_reply:").exists()
