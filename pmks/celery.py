"""The Celery app, configured from Django settings (CELERY_ namespace).

Without REDIS_URL, CELERY_TASK_ALWAYS_EAGER makes every task run inline, so the
embedded default needs no broker. With it, run a worker and one beat:

    celery -A pmks worker -l info
    celery -A pmks beat -l info
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmks.settings")

app = Celery("pmks")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
