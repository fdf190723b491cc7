"""A person with something in every app: answers, feedback, a resolved case with replies, emails, an import row."""

from followup.models import Case, CaseEvent, CaseStatus, OutboxEmail
from reviews.models import Feedback, ImportJob
from surveys.models import Answer
from tests.factories import ContactFactory, SurveyFactory

NAME, EMAIL, PHRASE = "Philippa Quarrington", "philippa.q@example.com", "the courier flung my parcel over the fence"


def person_with_history(*, name: str = NAME, email: str = EMAIL, comment: str = f"Awful: {PHRASE}."):
    contact = ContactFactory(name=name, email=email, attributes={"plan": "pro", "region": "emea"})
    survey = SurveyFactory()
    answer = Answer.objects.create(survey=survey, contact=contact, score=2, comment=comment)
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
        comment=comment,
    )
    case = Case.objects.create(
        feedback=feedback,
        contact=contact,
        status=CaseStatus.RESOLVED,
        resolved_at=feedback.received_at,
        first_response_due=feedback.received_at,
        resolution_summary=f"Refunded {name}",
    )
    CaseEvent.objects.create(case=case, kind="email_sent", body=f"Dear {name}, sorry")
    CaseEvent.objects.create(case=case, kind="customer_reply", body="Thanks, all good now - P.")
    OutboxEmail.objects.create(
        idempotency_key=f"apology:{feedback.pk}", to_email=email, subject=f"Sorry, {name}", body_text="x", case=case
    )
    return contact, survey, answer, feedback, case


def import_job_naming(name: str, *, encoding: str = "utf-8") -> ImportJob:
    return ImportJob.objects.create(
        filename="reviews.csv", platform="csv", data=f"author,comment\n{name},{PHRASE}\n".encode(encoding)
    )
