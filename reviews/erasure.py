"""What reviews erases of a person (registered in ReviewsConfig.ready): the comment, name and quoted phrases
of their feedback (scores, segments and labels stay, so rollups and reports do not move), and the stored
import files that carry their texts."""

from django.db.models import Q

from feedback_platform.erasure import ERASED, Person

from .models import Feedback, ImportJob


def erase_person(person: Person) -> int:
    feedback = Feedback.objects.filter(contact=person.contact)
    if person.name:
        feedback = Feedback.objects.filter(Q(contact=person.contact) | Q(author_name__iexact=person.name))
    rows = list(feedback.only("pk", "comment", "author_name", "explanation"))
    person.add_rows(Feedback, [row.pk for row in rows])
    for row in rows:
        person.add_texts(row.comment, row.author_name)
    changed = 0
    for row in rows:
        changed += Feedback.objects.filter(pk=row.pk).update(
            comment=ERASED if row.comment else "",
            author_name=ERASED if row.author_name else "",
            review_url="",
            comment_hash="",
            explanation=person.redact_json(row.explanation),
        )
    return changed + _erase_import_files(person)


def _erase_import_files(person: Person) -> int:
    """An import file that mentions the person loses its stored bytes (the job's counts stay); its errors and
    message are redacted."""
    changed = 0
    for job in ImportJob.objects.only("pk", "data", "errors", "message").iterator(chunk_size=20):
        data = bytes(job.data or b"")
        text = data.decode("utf-8", errors="ignore")
        mentions = any(secret.casefold() in text.casefold() for secret in person.texts if len(secret) >= 3)
        errors, message = person.redact_json(job.errors), person.redact(job.message)
        if mentions or errors != job.errors or message != job.message:
            fields = {"errors": errors, "message": message}
            if mentions:
                fields["data"] = ERASED.encode()
            changed += ImportJob.objects.filter(pk=job.pk).update(**fields)
    return changed
