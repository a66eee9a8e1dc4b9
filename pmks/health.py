"""GET /healthz: state of the database and the broker for load balancers."""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_state() -> str:
    if not settings.REDIS_URL:
        return "inline"  # embedded default: tasks run in the web process
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except Exception:
        return "down"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database = "ok" if _database_ok() else "down"
    broker = _broker_state()
    failed = [
        name for name, state in (("database", database), ("broker", broker)) if state == "down"
    ]
    body: dict[str, str | list[str]] = {
        "status": "ok" if not failed else "fail",
        "database": database,
        "broker": broker,
    }
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)
