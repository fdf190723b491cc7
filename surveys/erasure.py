"""What surveys erases of a person (registered in SurveysConfig.ready): their answers' comments (answers are
kept, detached, so counts stay), their invitations' delivery texts, and their pending emails; the contact row
itself is deleted by the base layer after every eraser ran."""

import json
from collections.abc import Iterator
from typing import cast

from feedback_platform.delivery import PENDING
from feedback_platform.erasure import ERASED, Person, Table

from .models import Answer, Contact, Invitation, InvitationStatus, Suppression, SuppressionReason, email_hash


def erase_person(person: Person) -> int:
    answers = Answer.objects.filter(contact_id=person.contact_id)
    for comment in answers.values_list("comment", flat=True):
        person.add_texts(comment)
    person.add_rows(Answer, answers.values_list("pk", flat=True))
    invitations = Invitation.objects.filter(contact_id=person.contact_id)
    person.add_rows(Invitation, invitations.values_list("pk", flat=True))
    invitations.filter(status__in=PENDING).update(status=InvitationStatus.WITHHELD, skip_reason="erased")
    # Their links die with them: a detached invitation has no one to answer as (the page says "unknown link").
    changed = invitations.update(
        last_error="", provider_event="", thread_root="", token_hash=None, reminder_token_hash=None
    )
    changed += redact_answers(answers)
    return changed + suppress_hashed(person.email)


def redact_answers(answers) -> int:
    """The one redaction of answers (erasure and retention): the comment goes, the score stays."""
    return answers.exclude(comment="").exclude(comment=ERASED).update(comment=ERASED)


def suppress_hashed(email: str) -> int:
    """The address leaves the suppression list and its keyed hash takes its place (keeping the reason it was
    listed for, else "erased"): the person is never emailed again, and the address is stored nowhere."""
    if not email:
        return 0
    listed = list(Suppression.objects.covering(email))
    reason = next((row.reason for row in listed if row.reason != SuppressionReason.ERASED), SuppressionReason.ERASED)
    Suppression.objects.filter(pk__in=[row.pk for row in listed]).delete()
    Suppression.objects.create(email="", email_hash=email_hash(email), reason=reason)
    return len(listed) + 1


def export_person(person: Person) -> Iterator[Table]:
    """The contact row, their answers and invitations, and whether their address is suppressed."""
    contact = cast(Contact, person.contact)
    yield Table(
        "contact",
        ["id", "email", "name", "external_id", "language", "customer_since", "attributes", "created_at"],
        [
            [
                contact.pk,
                contact.email,
                contact.name,
                contact.external_id,
                contact.language,
                contact.customer_since,
                json.dumps(contact.attributes, ensure_ascii=False),
                contact.created_at,
            ]
        ],
    )
    answers = ["id", "survey__name", "channel", "score", "comment", "language", "answered_at"]
    rows = Answer.objects.filter(contact=contact).order_by("pk").values_list(*answers)
    yield Table("answers", [name.replace("__", "_") for name in answers], rows.iterator(chunk_size=500))
    invitations = ["id", "survey__name", "status", "skip_reason", "sent_at", "delivered_at", "reminded_at"]
    sent = Invitation.objects.filter(contact=contact).order_by("pk").values_list(*invitations)
    yield Table("invitations", [name.replace("__", "_") for name in invitations], sent.iterator(chunk_size=500))
    suppressed = Suppression.objects.covering(person.email).values_list("email", "reason", "created_at")
    yield Table("suppression", ["email", "reason", "created_at"], suppressed)
