from celery import shared_task

from trading import chronograph, monitoring


@shared_task(soft_time_limit=50, time_limit=60)
def chronograph_task() -> int:
    return chronograph.tick()


@shared_task(soft_time_limit=50, time_limit=60)
def overdue_scan_task() -> int:
    return monitoring.record_overdue()
