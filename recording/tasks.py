from celery import shared_task

from recording.services import heads_fold


@shared_task(soft_time_limit=60, time_limit=90)
def heads_fold_task() -> int:
    """Every minute: each camera's chain head into the audit record (chain.md §7)."""
    return heads_fold()


@shared_task(soft_time_limit=3600, time_limit=3900)
def retention_task() -> int:
    """Daily: automatic holds brought up to date, then segments past retention deleted."""
    from recording.holds import retention_run

    return retention_run()
