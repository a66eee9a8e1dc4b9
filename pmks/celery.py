"""The Celery app, configured from Django settings (CELERY_ namespace).

Without REDIS_URL, CELERY_TASK_ALWAYS_EAGER makes every task run inline, so the
embedded default needs no broker. With it, run a worker and one beat:

    celery -A pmks worker -l info
    celery -A pmks beat -l info
"""

import os

import celery
from celery import Celery
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmks.settings")


class Task(celery.Task):  # type: ignore[misc]
    """Every task retries a database outage (Postgres restarting) with backoff and
    jitter, up to 8 times over about 10 minutes; tasks are idempotent, so a retry
    that repeats work changes nothing."""

    autoretry_for = (OperationalError, InterfaceError)
    retry_backoff = 5
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 8


app = Celery("pmks", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
