"""An erased person is nowhere: every text and JSON column of every model is searched (apps.get_models(), so
tables added later by any app are covered too)."""

import json

import pytest
from django.apps import apps
from django.db import models

from feedback_platform.activity import Actor, record_activity
from feedback_platform.erasure import erase_person
from followup.models import Case, CaseEvent, CaseStatus, InboundEmail, OutboxEmail
from reviews.models import Feedback, ImportJob
from surveys.models import Answer
from tests.factories import ContactFactory, SurveyFactory

pytestmark = pytest.mark.django_db

NAME, EMAIL, PHRASE = "Philippa Quarrington", "philippa.q@example.com", "the courier flung my parcel over the fence"
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.BinaryField)


def occurrences(*needles) -> list[str]:
    found = []
    for model in apps.get_models():
        fields = [field for field in model._meta.concrete_fields if isinstance(field, TEXT_FIELDS)]
        if not fields:
            continue
        for row in model._base_manager.values_list("pk", *[field.attname for field in fields]).iterator():
            for field, value in zip(fields, row[1:], strict=True):
                if isinstance(value, bytes | memoryview):
                    text = bytes(value).decode("utf-8", errors="ignore")
                else:
                    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
                for needle in needles:
                    if needle.casefold() in (text or "").casefold():
                        found.append(f"{model._meta.label}.{field.name} #{row[0]}: {needle}")
    return found


def test_an_erased_person_is_in_no_column_of_any_table():
    contact = ContactFactory(name=NAME, email=EMAIL)
    survey = SurveyFactory()
    answer = Answer.objects.create(survey=survey, contact=contact, score=2, comment=f"Awful: {PHRASE}.")
    feedback = Feedback.objects.create(
        source="survey",
        answer=answer,
        survey=survey,
        contact=contact,
        kind="nps",
        scale_min=0,
        scale_max=10,
        score=2,
        segment="detractor",
        comment=answer.comment,
        explanation={"phrases": [PHRASE], "rule": "keyword"},
    )
    case = Case.objects.create(
        feedback=feedback,
        contact=contact,
        status=CaseStatus.RESOLVED,
        resolved_at=feedback.received_at,
        first_response_due=feedback.received_at,
        search_text=f"{NAME} {EMAIL} {PHRASE}".lower(),
        resolution_summary=f"Refunded {NAME}",
    )
    CaseEvent.objects.create(case=case, kind="email_sent", body=f"Dear {NAME}, sorry that {PHRASE}")
    reply = CaseEvent.objects.create(case=case, kind="customer_reply", body="Thanks, all good now - P.")
    OutboxEmail.objects.create(
        idempotency_key=f"apology:{feedback.pk}", to_email=EMAIL, subject=f"Sorry, {NAME}", body_text=PHRASE, case=case
    )
    OutboxEmail.objects.create(
        idempotency_key=f"customer_reply:{reply.pk}:1",
        to_email="agent@example.com",
        subject="A reply",
        body_text=f"{NAME} wrote: Thanks, all good now - P.",
    )
    OutboxEmail.objects.create(
        idempotency_key=f"notify:1:{feedback.pk}:3",
        to_email="lead@example.com",
        subject="New case",
        body_text=f"{NAME} ({EMAIL}): {PHRASE}",
    )
    InboundEmail.objects.create(
        message_id="<m1@example.com>",
        sender=EMAIL,
        subject=f"Re: Sorry, {NAME}",
        body="Thanks, all good now - P.",
        outcome="case",
        case=case,
        contact=contact,
    )
    ImportJob.objects.create(
        filename="reviews.csv",
        platform="csv",
        data=f"author,comment\n{NAME},{PHRASE}\n".encode(),
        errors=[{"row": 2, "message": f"bad date for {NAME}"}],
    )
    record_activity(actor=Actor.system("test"), action="followup.case.opened", target=case, payload={"who": NAME})
    record_activity(actor=Actor.system("test"), action="surveys.contact.changed", target=contact)
    assert occurrences(NAME, EMAIL, PHRASE)

    erase_person(contact=contact, actor=Actor.system("test"))

    assert occurrences(NAME, EMAIL, PHRASE) == []
    assert Feedback.objects.get(pk=feedback.pk).score == 2  # the figures stay
