from celery import shared_task

from feedback_platform.publishing import BULK_QUEUE, drain_pending

from . import ingest, rollups, sweeps, thresholds

CLASSIFY_BATCH = 500
# Ids per classification task of a bulk import: ten batches, so most are labelled while the one before is written.
IMPORT_TASK_SIZE = 5000


@shared_task
def ingest_answer_task(answer_id: int) -> bool:
    """A customer's answer, after its commit: Feedback, classification, rules, case, emails."""
    return ingest.ingest_recorded_answer(answer_id=answer_id) is not None


#: The answers saved whose ingestion is still to run (feedback_platform.publishing, coalesced).
PENDING_ANSWERS = "answers"


@shared_task
def ingest_pending_answers_task() -> int:
    """Every answer saved since the last drain, as `ingest_answer_task` does each."""
    return drain_pending(
        PENDING_ANSWERS,
        lambda answer_id: ingest.ingest_recorded_answer(answer_id=answer_id),
        drain_task=ingest_pending_answers_task,
    )


@shared_task
def sweep_unfinished_work() -> int:
    """Beat: publish again what a lost task left undone (answers with no Feedback, unclassified feedback,
    imports whose worker died)."""
    from .import_jobs import stalled_imports

    answers, customer_batches, bulk_batches = sweeps.unfinished_work()
    imports = stalled_imports()
    for job_id in imports:
        run_import_task.delay(job_id)
    for answer_id in answers:
        ingest_answer_task.delay(answer_id)
    ingest_pending_answers_task.delay()  # what a lost drain left in the set
    for feedback_ids in customer_batches:
        classify_feedback_task.delay(feedback_ids)
    for feedback_ids in bulk_batches:
        classify_feedback_task.apply_async(args=(feedback_ids,), queue=BULK_QUEUE)
    return len(imports) + len(answers) + sum(map(len, customer_batches)) + sum(map(len, bulk_batches))


@shared_task
def refresh_rollups() -> int:
    """Fold feedback created or changed since the last run into the rollups."""
    return rollups.refresh()


@shared_task
def classify_feedback_task(feedback_ids: list[int]) -> int:
    """Read the text of bulk-imported feedback, CLASSIFY_BATCH rows per transaction."""
    return ingest.classify_stored_batches(feedback_ids, CLASSIFY_BATCH)


@shared_task
def classify_import_task(platform: str, first_id: int, last_id: int, per_task: int = IMPORT_TASK_SIZE) -> int:
    """Split a bulk import (ids first_id..last_id) into classification tasks; the request only names the range."""
    from .models import Feedback, Source

    ids = Feedback.objects.filter(
        pk__range=(first_id, last_id), source=Source.IMPORT, platform=platform, classified_at__isnull=True
    ).values_list("pk", flat=True)
    pending = list(ids.order_by("pk"))
    for start in range(0, len(pending), per_task):
        classify_feedback_task.delay(pending[start : start + per_task])
    return len(pending)


@shared_task
def reclassify_segments_task(kind: str, scale_max: int) -> int:
    return thresholds.reclassify(kind=kind, scale_max=scale_max)


# A big file takes longer than the default five minutes; still under the broker's visibility timeout (3600 s).
@shared_task(soft_time_limit=1500, time_limit=1560)
def run_import_task(job_id: int) -> None:
    from .import_jobs import run_import

    run_import(job_id=job_id)


# A full build takes seconds to a minute; the limit only stops a build that hangs.
@shared_task(soft_time_limit=1800, time_limit=1860)
def retrain_classifier_task() -> int | None:
    """Beat, nightly: a new model when enough labels were corrected since the last build (reviews.retraining);
    the version built, or None."""
    from .retraining import retrain_if_due

    outcome = retrain_if_due()
    return outcome.version if outcome else None
