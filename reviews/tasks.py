from celery import shared_task

from . import ingest, rollups, thresholds

CLASSIFY_BATCH = 500


@shared_task
def refresh_rollups() -> int:
    """Fold feedback created or changed since the last run into the rollups."""
    return rollups.refresh()


@shared_task
def classify_feedback_task(feedback_ids: list[int]) -> int:
    """Read the text of bulk-imported feedback, one batch per task run."""
    done = 0
    for start in range(0, len(feedback_ids), CLASSIFY_BATCH):
        done += ingest.classify_stored(feedback_ids[start : start + CLASSIFY_BATCH])
    return done


@shared_task
def classify_import_task(platform: str, first_id: int, last_id: int, per_task: int = 1000) -> int:
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


@shared_task
def run_import_task(job_id: int) -> None:
    from .import_jobs import run_import

    run_import(job_id=job_id)
