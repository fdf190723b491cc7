"""What surveys erases of a person (registered in SurveysConfig.ready): their answers' comments (answers are
kept, detached, so counts stay), their invitations' delivery texts, and their pending emails; the contact row
itself is deleted by the base layer after every eraser ran."""

from feedback_platform.delivery import PENDING
from feedback_platform.erasure import ERASED, Person

from .models import Answer, Invitation, InvitationStatus


def erase_person(person: Person) -> int:
    answers = Answer.objects.filter(contact=person.contact)
    for comment in answers.values_list("comment", flat=True):
        person.add_texts(comment)
    person.add_rows(Answer, answers.values_list("pk", flat=True))
    invitations = Invitation.objects.filter(contact=person.contact)
    person.add_rows(Invitation, invitations.values_list("pk", flat=True))
    invitations.filter(status__in=PENDING).update(status=InvitationStatus.WITHHELD, skip_reason="erased")
    changed = invitations.update(last_error="", provider_event="", thread_root="")
    changed += answers.exclude(comment="").update(comment=ERASED)
    return changed
