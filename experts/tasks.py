from celery import shared_task

from experts.services import draws_due


@shared_task(soft_time_limit=120, time_limit=180)
def draws_due_task() -> dict[str, int]:
    """Reveal expert draws whose award is out; abandon draws interrupted after their witness."""
    return draws_due()
