from celery import shared_task

from audit.services import checkpoint_due


@shared_task(soft_time_limit=120, time_limit=180)
def checkpoint_due_task() -> int | None:
    checkpoint = checkpoint_due()
    return checkpoint.size if checkpoint else None
