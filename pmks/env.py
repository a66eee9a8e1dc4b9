"""Tiny, strict readers for settings taken from the environment.

A malformed value stops start-up with ImproperlyConfigured naming the variable,
so a typo in a deployment never turns into a silently different behaviour.
"""

import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw == "True":
        return True
    if raw == "False":
        return False
    raise ImproperlyConfigured(f'{name} must be "True" or "False", got {raw!r}')


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(name: str, url: str) -> dict[str, Any]:
    """Parse DATABASE_URL; only postgres:// and sqlite:// are accepted."""
    import environ

    if not url.startswith(("postgres://", "postgresql://", "sqlite://")):
        raise ImproperlyConfigured(
            f"{name} must start with postgres:// or sqlite://, got {url.split(':', 1)[0]!r}"
        )
    try:
        config = environ.Env.db_url_config(url)
    except Exception as exc:  # environ raises assorted errors on garbage
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from None
    if config["ENGINE"].endswith("postgresql") and not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} must name a database")
    return config


def redis_url(name: str, url: str) -> str:
    if url and not url.startswith(("redis://", "rediss://")):
        raise ImproperlyConfigured(f"{name} must start with redis:// or rediss://")
    return url


def redis_url_for_test_worker(url: str, worker: str) -> str:
    """pytest-xdist's worker "gwN" takes Redis database <REDIS_URL's number> + N, as
    pytest-django gives it its own test database: the workers never purge or read
    each other's queues and caches. Outside xdist (no worker) the URL is unchanged."""
    if not url or not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + int(worker[2:])}"))


def env_header_pair(name: str) -> tuple[str, str] | None:
    """SECURE_PROXY_SSL_HEADER as "HTTP_X_FORWARDED_PROTO,https"; unset is None."""
    raw = os.environ.get(name, "")
    if not raw:
        return None
    header, sep, value = (part.strip() for part in raw.partition(","))
    if not sep or not value or "," in value or not header.startswith("HTTP_"):
        raise ImproperlyConfigured(
            f'{name} must look like "HTTP_X_FORWARDED_PROTO,https", got {raw!r}'
        )
    return header, value
