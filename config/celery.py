"""The Celery app: Redis is the broker in every mode (the private one `./run` starts, or REDIS_URL)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("sunbid")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
