from celery import shared_task

from recording.services import heads_fold


@shared_task(soft_time_limit=60, time_limit=90)
def heads_fold_task() -> int:
    """Every minute: each camera's chain head into the audit record (chain.md §7)."""
    return heads_fold()
