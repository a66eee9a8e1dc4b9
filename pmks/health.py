"""Health endpoints (JSON, no login):

- GET /healthz/live: the process answers; touches no database.
- GET /healthz/ready: database, Redis (when configured), the worker's heartbeat
  (beat runs `pmks.health.worker_heartbeat` every minute on the default queue; it
  records a timestamp in the cache) and the outbox lag (outbox.selectors.lag_seconds).
  200 when every part is ok, else 503 with `down` naming the parts.
  `?check=database,redis` limits the check to the named parts.
- GET /healthz: the earlier endpoint, kept for existing probes: database and broker
  only, as {"status", "database", "broker", "failed"}.

Thresholds: HEALTH_WORKER_MAX_AGE_SECONDS, HEALTH_OUTBOX_MAX_LAG_SECONDS.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

HEARTBEAT_KEY = "health:worker-heartbeat"


@shared_task(ignore_result=True)
def worker_heartbeat() -> None:
    """Beat enqueues this every minute; a worker on the default queue records when it ran."""
    cache.set(HEARTBEAT_KEY, time.time(), timeout=24 * 60 * 60)


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            ok = cursor.fetchone() == (1,)
    except Exception as exc:
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok" if ok else "down"}


def _redis() -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"status": "not_configured"}
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5
        )
        client.ping()
    except Exception as exc:
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok"}


def _worker() -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"status": "inline"}  # embedded default: tasks run in the web process
    beat = cache.get(HEARTBEAT_KEY)
    if beat is None:
        return {"status": "down", "age_seconds": None}
    age = round(time.time() - float(beat), 1)
    limit = settings.HEALTH_WORKER_MAX_AGE_SECONDS
    return {"status": "ok" if age <= limit else "down", "age_seconds": age}


def _outbox() -> dict[str, Any]:
    try:
        from outbox.selectors import lag_seconds  # type: ignore[attr-defined]
    except ImportError:
        return {"status": "not_configured"}
    try:
        lag = lag_seconds()
    except Exception as exc:
        return {"status": "down", "error": type(exc).__name__}
    limit = settings.HEALTH_OUTBOX_MAX_LAG_SECONDS
    ok = lag is None or lag <= limit
    return {"status": "ok" if ok else "down", "lag_seconds": lag}


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": _database,
    "redis": _redis,
    "worker": _worker,
    "outbox": _outbox,
}


def readiness(parts: list[str] | None = None) -> tuple[dict[str, Any], bool]:
    results = {name: CHECKS[name]() for name in (parts or list(CHECKS))}
    down = [name for name, result in results.items() if result["status"] == "down"]
    return {"status": "fail" if down else "ok", "checks": results, "down": down}, not down


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    parts = [part for part in request.GET.get("check", "").split(",") if part]
    unknown = [part for part in parts if part not in CHECKS]
    if unknown:
        return JsonResponse({"status": "error", "unknown": unknown}, status=400)
    body, ok = readiness(parts or None)
    return JsonResponse(body, status=200 if ok else 503)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database = _database()["status"]
    broker = {"not_configured": "inline"}.get(_redis()["status"], _redis()["status"])
    failed = [
        name for name, state in (("database", database), ("broker", broker)) if state == "down"
    ]
    body: dict[str, Any] = {
        "status": "fail" if failed else "ok",
        "database": database,
        "broker": broker,
    }
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)
