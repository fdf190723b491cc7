"""What reviews erases of a person (registered in ReviewsConfig.ready): the comment, name and quoted phrases
of their feedback (scores, segments and labels stay, so rollups and reports do not move), and the stored
import files that carry their texts. `redact_feedback` is the one redaction of a feedback row: the erasure
and the retention sweep both call it."""

from collections.abc import Iterable, Iterator

from django.db.models import Q
from django.db.models.functions import Lower, Trim

from feedback_platform.erasure import ERASED, MIN_QUOTED_LENGTH, Person, Table
from feedback_platform.textfiles import ENCODINGS, read_table

from .models import Feedback, ImportJob

#: Decodings an import file is searched in (a review file may be in any encoding the import accepted).
SEARCHED_ENCODINGS = [name for name in ENCODINGS if name != "detect"] + ["utf-16"]


def _feedback_of(person: Person):
    """Their feedback, and imported reviews signed with their name or address (ignoring case and the spaces
    around it: review sites keep what the author typed)."""
    authors = {text.strip().lower() for text in (person.name, person.email) if text and text.strip()}
    return Feedback.objects.alias(author=Lower(Trim("author_name"))).filter(
        Q(contact_id=person.contact_id) | Q(contact__isnull=True, author__in=authors)
    )


def erase_person(person: Person) -> int:
    rows = list(_feedback_of(person).only("pk", "comment", "author_name", "explanation"))
    person.add_rows(Feedback, [row.pk for row in rows])
    for row in rows:
        person.add_texts(row.comment, row.author_name)
    return redact_feedback(rows, redact_json=person.redact_json) + _erase_import_files(person)


def redact_feedback(rows: Iterable[Feedback], *, redact_json) -> int:
    """Blank the personal texts of `rows` (loaded with comment, author_name and explanation); the scores,
    segments and labels the reports count stay."""
    changed = 0
    for row in rows:
        changed += Feedback.objects.filter(pk=row.pk).update(
            comment=ERASED if row.comment else "",
            author_name=ERASED if row.author_name else "",
            review_url="",
            comment_hash="",
            explanation=redact_json(row.explanation),
        )
    return changed


def file_text(job: ImportJob) -> str:
    """Every reading of a stored import file's bytes, casefolded: its cells (CSV as imported, or XLSX), and
    the raw bytes in each encoding the import accepts, so a Shift_JIS or GB18030 file is searched too."""
    data = bytes(job.data or b"")
    readings = [_cells(data, job.filename or "")]
    readings += [data.decode(encoding, errors="ignore") for encoding in SEARCHED_ENCODINGS]
    return "\n".join(readings).casefold()


def _cells(data: bytes, filename: str) -> str:
    try:
        header, rows, _found = read_table(data, filename, encoding="detect")
    except Exception:  # noqa: BLE001  an unreadable file (a broken XLSX) is still searched byte-wise
        return ""
    return "\n".join(" ".join(str(cell) for cell in row) for row in [header, *rows])


def _erase_import_files(person: Person) -> int:
    """An import file that mentions the person loses its stored bytes (the job's counts stay); its errors and
    message are redacted."""
    changed = 0
    secrets = [secret.casefold() for secret in person.texts if len(secret) >= MIN_QUOTED_LENGTH]
    for job in ImportJob.objects.only("pk", "filename", "data", "errors", "message").iterator(chunk_size=20):
        mentions = bool(job.data) and bytes(job.data) != ERASED.encode() and _mentions(file_text(job), secrets)
        errors, message = person.redact_json(job.errors), person.redact(job.message)
        if mentions or errors != job.errors or message != job.message:
            fields = {"errors": errors, "message": message}
            if mentions:
                fields["data"] = ERASED.encode()
            changed += ImportJob.objects.filter(pk=job.pk).update(**fields)
    return changed


def redact_import_files(jobs) -> int:
    """Finished import jobs lose their stored file (retention); their counts, errors and message stay."""
    return jobs.exclude(data=ERASED.encode()).update(data=ERASED.encode())


def _mentions(text: str, secrets: list[str]) -> bool:
    return any(secret in text for secret in secrets)


FEEDBACK_EXPORT = [
    "id", "source", "survey__name", "kind", "score", "segment", "comment", "language", "sentiment_label", "tone",
    "platform", "author_name", "review_url", "product_ref", "received_at",
]  # fmt: skip


def export_person(person: Person) -> Iterator[Table]:
    """Their feedback: answers as the reports see them, and the reviews matched to them."""
    rows = _feedback_of(person).order_by("pk").values_list(*FEEDBACK_EXPORT)
    yield Table("feedback", [name.replace("__", "_") for name in FEEDBACK_EXPORT], rows.iterator(chunk_size=500))
