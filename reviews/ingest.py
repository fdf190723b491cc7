"""Ingestion: every source becomes a classified Feedback through one path."""

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from feedback_platform.batch import batch_scope
from surveys.models import Answer

from . import suspicion, thresholds
from .classify import Labels, classify_text, classify_texts
from .classify.learned import active_model
from .classify.topics import active_taxonomy
from .corrections import apply_corrections
from .language import detect_language
from .models import Feedback, LifecycleStage, Source, Topic
from .segments import segment_for
from .signals import feedback_classified

SOURCE_OF_CHANNEL = {"email": Source.SURVEY, "link": Source.LINK, "widget": Source.WIDGET}


def classify(
    feedback: Feedback, *, limits: dict | None = None, taxonomy: list | None = None, labels: Labels | None = None
) -> list[str]:
    """Set every label in place; returns the topic slugs to attach once the row is saved.

    `limits` (segment thresholds) and `taxonomy` (active topics) are read once per batch by bulk callers, and
    `labels` (the text's, from text_labels) computed for the whole batch at once.
    """
    feedback.segment, feedback.segment_reason = segment_for(
        feedback.kind, feedback.score, feedback.scale_max, limits or thresholds.current()
    )
    feedback.normalized_score = normalized(feedback.score, feedback.scale_min, feedback.scale_max)
    feedback.language = text_language(feedback)
    if feedback.contact is not None:  # an erased person's feedback keeps the stage it was counted in
        feedback.lifecycle_stage = lifecycle_stage(feedback.contact, feedback.received_at)
    if labels is None:
        model = active_model().get(feedback.language)  # None: no model built, or not for this language
        labels = classify_text(feedback.comment, feedback.language, taxonomy=taxonomy, model=model)
    feedback.sentiment_score, feedback.sentiment_label = labels.sentiment_score, labels.sentiment_label
    feedback.tone, feedback.churn_intent = labels.tone, labels.churn_intent
    # What the import said and what a person corrected outlive a re-classification.
    given = {key: value for key, value in (feedback.explanation or {}).items() if key in ("import", "corrected")}
    feedback.explanation = {"segment": feedback.segment_reason, **labels.explanation, **given}
    feedback.classified_at = timezone.now()
    return apply_corrections(feedback, labels.topics)


def text_language(feedback: Feedback) -> str:
    return language_of(feedback.comment, feedback.contact.language if feedback.contact else "")


def language_of(comment: str, contact_language: str) -> str:
    """The language a comment is read in: its script's, else its customer's."""
    return detect_language(comment, fallback=contact_language)


Text = tuple[int, str, str]  # (feedback id, comment, language): what its text labels are computed from


def text_labels(rows: list[Feedback], taxonomy: list) -> dict[int, Labels]:
    """The text labels of many feedback rows by pk: one batch prediction per language with the active model."""
    return labels_of([(f.pk, f.comment, text_language(f)) for f in rows], taxonomy, active_model())


def labels_of(texts: list[Text], taxonomy: list, models: dict) -> dict[int, Labels]:
    """text_labels of (id, comment, language) triples with the given models: no database, so a helper thread
    may run it."""
    groups: dict[str, list[Text]] = {}
    for text in texts:
        groups.setdefault(text[2], []).append(text)
    found: dict[int, Labels] = {}
    for language, group in groups.items():
        labels = classify_texts([c for _, c, _ in group], language, taxonomy=taxonomy, model=models.get(language))
        found.update({pk: label for (pk, _, _), label in zip(group, labels, strict=True)})
    return found


def normalized(score: int, low: int, high: int) -> float:
    return round((score - low) / (high - low), 4) if high > low else 0.0


def lifecycle_stage(contact, when) -> str:
    """New (first 30 days), onboarding (31-90), established, or churned (the contact says so)."""
    if contact is None:
        return ""
    if str(contact.attributes.get("status", "")).lower() == "churned" or contact.attributes.get("churned_at"):
        return LifecycleStage.CHURNED
    if contact.customer_since is None:
        return ""
    days = (when.date() - contact.customer_since).days
    if days <= 30:
        return LifecycleStage.NEW
    return LifecycleStage.ONBOARDING if days <= 90 else LifecycleStage.ESTABLISHED


@transaction.atomic
def ingest_recorded_answer(*, answer_id: int) -> Feedback | None:
    """The worker's half of an answer: its Feedback, classification and what `followup` does about it.

    Idempotent, since a task may run twice and the sweep may publish one already running: the answer row
    is locked (two runs take turns), and a Feedback that already shows the answer's score and comment is
    left alone. Returns None for an answer that is gone or already ingested.
    """
    locked = Answer.objects.select_for_update(of=("self",)).select_related("survey", "contact").filter(pk=answer_id)
    answer = locked.first()
    if answer is None:
        return None
    current = Feedback.objects.filter(answer=answer).only("score", "comment", "classified_at").first()
    if current and current.classified_at and (current.score, current.comment) == (answer.score, answer.comment):
        return None
    return ingest_answer(answer=answer)


@transaction.atomic
def ingest_answer(*, answer: Answer, announce: bool = True) -> Feedback:
    """Create or update the Feedback of a survey answer and announce it to `followup`."""
    survey = answer.survey
    feedback = Feedback.objects.filter(answer=answer).first()
    created = feedback is None
    if feedback is None:
        source = SOURCE_OF_CHANNEL[answer.channel]
        feedback = Feedback(answer=answer, source=source, survey=survey, contact=answer.contact)
    feedback.kind, feedback.scale_min, feedback.scale_max = survey.kind, survey.scale_min, survey.scale_max
    feedback.score, feedback.comment, feedback.received_at = answer.score, answer.comment, answer.answered_at
    topic_slugs = classify(feedback)
    feedback.save()
    feedback.topics.set(Topic.objects.filter(slug__in=topic_slugs))
    if announce:
        feedback_classified.send(sender=Feedback, feedback=feedback, created=created)
    return feedback


CLASSIFIED_FIELDS = [
    "segment",
    "segment_reason",
    "normalized_score",
    "language",
    "lifecycle_stage",
    "sentiment_score",
    "sentiment_label",
    "tone",
    "churn_intent",
    "explanation",
    "classified_at",
    "comment_hash",
    "is_suspicious",
    "suspicion_score",
    "updated_at",
]


def classify_stored_batches(feedback_ids: list[int], size: int) -> int:
    """classify_stored of `feedback_ids`, `size` at a time, each batch's text labelled while the batch before
    it is written: labelling is computation, and writing mostly waits for the database, so one helper thread
    labels a batch ahead (and does all the labelling here: the segmenters are not shared between threads)."""
    batches = [feedback_ids[start : start + size] for start in range(0, len(feedback_ids), size)]
    done = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="labels-ahead") as labeller:
        upcoming = LabelsAhead.start(labeller, batches[0]) if batches else None
        for index, batch in enumerate(batches):
            current = upcoming
            upcoming = LabelsAhead.start(labeller, batches[index + 1]) if index + 1 < len(batches) else None
            done += classify_stored(batch, ahead=current)
    return done


@dataclass
class LabelsAhead:
    """The labels of a batch's texts as they were before its rows were locked, being computed by `labeller`."""

    labeller: ThreadPoolExecutor
    taxonomy: list
    models: dict
    texts: dict[int, Text]
    labels: Future

    @classmethod
    def start(cls, labeller: ThreadPoolExecutor, feedback_ids: list[int]) -> "LabelsAhead":
        unread = Feedback.objects.filter(pk__in=feedback_ids, classified_at__isnull=True)
        read = unread.values_list("pk", "comment", "contact__language")
        texts = {pk: (pk, comment, language_of(comment, language or "")) for pk, comment, language in read}
        taxonomy, models = active_taxonomy()[1], active_model()
        labels = labeller.submit(labels_of, list(texts.values()), taxonomy, models)
        return cls(labeller, taxonomy, models, texts, labels)

    def labels_for(self, texts: list[Text], taxonomy: list) -> dict[int, Labels]:
        """Labels of `texts` (the locked rows'): those read ahead where the text, its language, the taxonomy and
        the model are what they were read with; the rest labelled now, by the same thread."""
        fresh = taxonomy == self.taxonomy and active_model() is self.models
        labels = self.labels.result()
        found = {text[0]: labels[text[0]] for text in texts if fresh and self.texts.get(text[0]) == text}
        missing = [text for text in texts if text[0] not in found]
        if missing:
            found.update(self.labeller.submit(labels_of, missing, taxonomy, active_model()).result())
        return found


def classify_stored(feedback_ids: list[int], *, ahead: LabelsAhead | None = None) -> int:
    """Read the text of stored feedback (imports, API batches), then announce each to `followup`.

    One transaction for the batch: rows are written together (one UPDATE, one INSERT of topics, one
    commit), a crash re-runs the batch with nothing half-done, and a second task given the same rows
    skips those this one holds. `ahead`: its labels computed while the batch before was written.
    """
    with transaction.atomic():
        rows = list(
            Feedback.objects.filter(pk__in=feedback_ids, classified_at__isnull=True)
            .select_related("contact")
            .select_for_update(skip_locked=True, of=("self",))
        )
        if not rows:
            return 0
        limits = thresholds.current()
        topics, taxonomy = active_taxonomy()
        now = timezone.now()
        texts = [(f.pk, f.comment, text_language(f)) for f in rows]
        labels = ahead.labels_for(texts, taxonomy) if ahead else labels_of(texts, taxonomy, active_model())
        for feedback in rows:
            detected = feedback.language
            slugs = classify(feedback, limits=limits, taxonomy=taxonomy, labels=labels[feedback.pk])
            feedback.language = detected or feedback.language
            feedback.updated_at = now  # the raw UPDATE below skips auto_now, and the rollups follow updated_at
            feedback.attached_topics = [slug for slug in slugs if slug in topics]
        verdicts = suspicion.assess(rows)  # after classify: a burst counts low scores (its segment)
        for feedback in rows:
            feedback.is_suspicious, feedback.suspicion_score, feedback.explanation["suspicion"] = verdicts[feedback.pk]
        _write_labels(rows)
        _write_topics(rows, topics)
        with batch_scope(rows):  # the rules, the endpoints, the rows' cases: read once for the batch
            for feedback in rows:
                feedback_classified.send(sender=Feedback, feedback=feedback, created=True)
    return len(rows)


def _write_topics(rows: list[Feedback], topics: dict[str, int]) -> None:
    """The rows' topic links replaced by their `attached_topics` (`topics`: slug → id): two statements, with
    none of the link instances the related manager would build."""
    through = Feedback.topics.through
    table = connection.ops.quote_name(through._meta.db_table)
    pairs = [(row.pk, topics[slug]) for row in rows for slug in row.attached_topics or ()]
    through.objects.filter(feedback_id__in=[row.pk for row in rows]).delete()
    if not pairs:
        return
    insert = f"INSERT INTO {table} (feedback_id, topic_id) "  # noqa: S608 (the model's table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids, topic_ids = zip(*pairs, strict=True)
            rows_of = "SELECT * FROM unnest(%s::bigint[], %s::bigint[])"
            cursor.execute(insert + rows_of, [list(ids), list(topic_ids)])  # noqa: S608 (the model's table)
        else:
            cursor.executemany(insert + "VALUES (%s, %s)", pairs)


def _write_labels(rows: list[Feedback]) -> None:
    """The label columns of every row in one statement: on PostgreSQL an UPDATE from one array per column (one
    statement to plan, not one per row), elsewhere one parametrised UPDATE per row. bulk_update's CASE
    expressions cost more to build in Python than the update costs in the database."""
    fields = [field for field in Feedback._meta.concrete_fields if field.name in CLASSIFIED_FIELDS]
    names = [connection.ops.quote_name(field.column or field.name) for field in fields]
    values = [[field.get_db_prep_save(getattr(row, field.attname), connection) for row in rows] for field in fields]
    table = Feedback._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
            statement = (
                f"UPDATE {table} SET {', '.join(f'{name} = new.{name}' for name in names)} "  # noqa: S608 (the model's)
                f"FROM unnest(%s::bigint[], {arrays}) AS new(id, {', '.join(names)}) WHERE {table}.id = new.id"
            )
            cursor.execute(statement, [[row.pk for row in rows], *values])
        else:
            statement = f"UPDATE {table} SET {', '.join(f'{name} = %s' for name in names)} WHERE id = %s"  # noqa: S608
            cursor.executemany(statement, list(zip(*values, [row.pk for row in rows], strict=True)))
