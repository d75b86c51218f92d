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


@shared_task(soft_time_limit=600, time_limit=900)
def emergency_task() -> int:
    """Every 5 minutes: the storage emergency rule (chain.md §7's one exception)."""
    from recording.holds import emergency_run

    return len(emergency_run())


@shared_task(soft_time_limit=3600, time_limit=3900)
def reconcile_task() -> dict[str, list[str]]:
    """Weekly: segment files against rows, both ways."""
    from recording.holds import reconcile

    return reconcile()


@shared_task(soft_time_limit=3600, time_limit=3900)
def export_task(export_pk: int) -> str:
    """Build an evidence export zip with the standalone verifier, reporting progress."""
    from recording.export import build_export

    return build_export(export_pk)
