"""Background imports from the web page: the job row carries the file and the progress."""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
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
STALLED = (
    "The import stopped {attempts} times because the worker running it stopped (restarted, or out of memory or "
    "time). The rows saved before are kept: importing the file again adds only the rest."
)
#: A running import saves a chunk (and its heartbeat) every few seconds; one silent this long lost its worker,
#: and one queued this long lost its message.
STALLED_AFTER = timedelta(minutes=10)
#: How many workers may start one import before it ends as failed.
MAX_ATTEMPTS = 3
logger = logging.getLogger(__name__)


def _stalled(now) -> Q:
    cutoff = now - STALLED_AFTER
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    return Q(status=ImportJob.Status.RUNNING) & silent


@transaction.atomic
def start_import(*, data: bytes, filename: str, platform: str, user, encoding: str = "detect") -> ImportJob:
    job = ImportJob.objects.create(data=data, filename=filename, platform=platform, encoding=encoding, created_by=user)
    record_activity(
        actor=Actor.of(user),
        action="reviews.import.started",
        target=job,
        label=filename,
        payload={"platform": platform, "bytes": len(data), "encoding": encoding},
    )
    from .tasks import run_import_task

    publish_on_commit(run_import_task, job.pk)
    return job


def run_import(*, job_id: int) -> None:
    """Import the job's file, saving progress after every chunk. A job another worker is running is left
    alone; one whose worker died (silent for STALLED_AFTER) is taken over and adds only the rows not yet saved."""
    now = timezone.now()
    claimable = Q(status=ImportJob.Status.QUEUED) | _stalled(now)
    claimed = ImportJob.objects.filter(claimable, pk=job_id, attempts__lt=MAX_ATTEMPTS).update(
        status=ImportJob.Status.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return
    job = ImportJob.objects.get(pk=job_id)

    def progress(done, total, failed):
        ImportJob.objects.filter(pk=job_id).update(done=done, total=total, failed=failed, heartbeat_at=timezone.now())

    try:
        report = import_reviews(
            data=bytes(job.data), filename=job.filename, encoding=job.encoding, platform=job.platform, progress=progress
        )
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
        encoding=report.encoding,
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


def stalled_imports() -> list[int]:
    """The sweep's part: jobs whose worker died or whose message was lost are published again; those that
    have had MAX_ATTEMPTS workers end as failed, saying so."""
    now = timezone.now()
    lost = Q(status=ImportJob.Status.QUEUED, created_at__lt=now - STALLED_AFTER)
    jobs = ImportJob.objects.filter(lost | _stalled(now), created_at__gte=now - timedelta(days=7))
    for job in jobs.filter(attempts__gte=MAX_ATTEMPTS):
        _fail(job, STALLED.format(attempts=job.attempts))
    return list(jobs.filter(attempts__lt=MAX_ATTEMPTS).order_by("pk").values_list("pk", flat=True))


def _fail(job: ImportJob, reason: str) -> None:
    """End the job as failed, its reason in the message and in the error report."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED,
        message=reason,
        errors=[{"row": None, "field": "file", "reason": reason}],
        finished_at=timezone.now(),
    )
    record_activity(actor=IMPORTER, action="reviews.import.failed", target=job, label=job.filename)
