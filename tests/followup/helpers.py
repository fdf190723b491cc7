from followup.cases import open_case
from reviews.ingest import ingest_answer
from surveys.models import Answer
from tests.surveys.helpers import sent_invitation


def detractor_feedback(score=2, comment="It broke on day one", **invitation_kwargs):
    invitation, _ = sent_invitation(**invitation_kwargs)
    answer = Answer.objects.create(
        invitation=invitation, survey=invitation.survey, contact=invitation.contact, score=score, comment=comment
    )
    return ingest_answer(answer=answer, announce=False)


def detractor_case(**kwargs):
    return open_case(feedback=detractor_feedback(**kwargs))[0]
