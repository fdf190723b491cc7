import base64
import io
import json

import pytest
from django.core.management import CommandError, call_command

from followup.models import CaseStatus, EventKind
from followup.rules import act_on_feedback

from .helpers import detractor_feedback

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
    from followup.outbox import deliver_email

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


def test_an_unmatched_email_is_not_attached_anywhere(tmp_path):
    apology_case()
    eml = tmp_path / "stray.eml"
    eml.write_text(raw_reply("reply+unknown@reply.example.com"))
    with pytest.raises(CommandError, match="No case matches"):
        call_command("feed_inbound_email", str(eml))
