from celery import shared_task

from . import rollups


@shared_task
def refresh_rollups() -> int:
    """Fold feedback created or changed since the last run into the rollups."""
    return rollups.refresh()
