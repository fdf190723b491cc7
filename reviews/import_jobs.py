"""Background imports from the web page: the job row carries the file and the progress."""

import logging

from django.db import transaction
from django.utils import timezone

from feedback_platform.activity import Actor, record_activity
from feedback_platform.publishing import publish_on_commit

from .imports import UnreadableFile, import_reviews
from .models import ImportJob

IMPORTER = Actor.system("reviews.run_import")
STOPPED = (
    "The import stopped on an unexpected error (logged for the administrators). The rows saved before it are "
    "kept: importing the file again adds only the rest."
)
logger = logging.getLogger(__name__)


@transaction.atomic
def start_import(*, data: bytes, filename: str, platform: str, user) -> ImportJob:
    job = ImportJob.objects.create(data=data, filename=filename, platform=platform, created_by=user)
    record_activity(
        actor=Actor.of(user),
        action="reviews.import.started",
        target=job,
        label=filename,
        payload={"platform": platform, "bytes": len(data)},
    )
    from .tasks import run_import_task

    publish_on_commit(run_import_task, job.pk)
    return job


def run_import(*, job_id: int) -> None:
    """Import the job's file, saving progress after every chunk. A job already started is left alone."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    job = ImportJob.objects.get(pk=job_id)

    def progress(done, total, failed):
        ImportJob.objects.filter(pk=job_id).update(done=done, total=total, failed=failed)

    try:
        report = import_reviews(bytes(job.data), job.filename, platform=job.platform, progress=progress)
    except UnreadableFile as error:
        _fail(job, str(error))
        return
    except Exception:  # a job must end: anything else is logged and the job fails with what to do next
        logger.exception("review import %s stopped", job_id)
        _fail(job, STOPPED)
        return
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.DONE,
        done=report.rows,
        total=report.rows,
        failed=len({e["row"] for e in report.errors}),
        created=report.created,
        errors=report.errors,
        message=f"{report.created} new, {report.existing} already imported ({report.encoding})",
        finished_at=timezone.now(),
    )
    record_activity(
        actor=IMPORTER,
        action="reviews.import.finished",
        target=job,
        label=job.filename,
        payload={
            "rows": report.rows,
            "created": report.created,
            "existing": report.existing,
            "errors": len(report.errors),
        },
    )


def _fail(job: ImportJob, reason: str) -> None:
    """End the job as failed, its reason in the message and in the error report."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED,
        message=reason,
        errors=[{"row": None, "field": "file", "reason": reason}],
        finished_at=timezone.now(),
    )
    record_activity(actor=IMPORTER, action="reviews.import.failed", target=job, label=job.filename)
