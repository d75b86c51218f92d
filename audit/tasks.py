from celery import shared_task

from audit.integrity import chain_check_run
from audit.services import checkpoint_due, checkpoint_issue


@shared_task(soft_time_limit=120, time_limit=180)
def checkpoint_due_task() -> int | None:
    checkpoint = checkpoint_due()
    return checkpoint.size if checkpoint else None


@shared_task(soft_time_limit=600, time_limit=900)
def chain_check_task() -> bool:
    """Hourly self-check of the whole record; the audit browser shows the latest outcome."""
    return chain_check_run(by=None).ok


@shared_task(soft_time_limit=120, time_limit=180)
def checkpoint_issue_task() -> int:
    """A checkpoint now, e.g. one covering a bid deadline (chain.md §5)."""
    return checkpoint_issue().size
