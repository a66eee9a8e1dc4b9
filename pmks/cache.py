"""A Redis cache that degrades to "always a miss" when Redis is down.

settings.CACHES["default"]["BACKEND"] names `pmks.cache.DegradingRedisCache` when
REDIS_URL is set. Connection errors and timeouts never reach the caller: a read is
a miss (the default), a write is dropped, `add` answers False (nothing stored),
`incr` raises ValueError as for a missing key. A warning is logged at most once per
WARN_EVERY_SECONDS per process, with the number of errors swallowed since. Short
socket timeouts (settings OPTIONS) keep a dead Redis from adding seconds per request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("pmks.cache")

CACHE_ERRORS = (RedisConnectionError, RedisTimeoutError, ReadOnlyError, OSError)
WARN_EVERY_SECONDS = 30.0
T = TypeVar("T")


class DegradingRedisCache(RedisCache):
    _lock = threading.Lock()
    _last_warning = 0.0
    _swallowed = 0

    def _degraded(self, operation: str, exc: Exception, fallback: Callable[[], T]) -> T:
        cls = type(self)
        with cls._lock:
            cls._swallowed += 1
            now = time.monotonic()
            if now - cls._last_warning >= WARN_EVERY_SECONDS:
                cls._last_warning = now
                count, cls._swallowed = cls._swallowed, 0
                logger.warning(
                    "cache unavailable (%s: %s); %d cache operations treated as misses",
                    operation,
                    exc,
                    count,
                )
        return fallback()

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        try:
            return super().get(key, default, version)
        except CACHE_ERRORS as exc:
            return self._degraded("get", exc, lambda: default)

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except CACHE_ERRORS as exc:
            return self._degraded("get_many", exc, dict)

    def has_key(self, key: Any, version: Any = None) -> bool:
        try:
            return super().has_key(key, version)
        except CACHE_ERRORS as exc:
            return self._degraded("has_key", exc, lambda: False)

    def set(self, key: Any, value: Any, timeout: Any = ..., version: Any = None) -> None:
        kwargs = {} if timeout is ... else {"timeout": timeout}
        try:
            super().set(key, value, version=version, **kwargs)
        except CACHE_ERRORS as exc:
            self._degraded("set", exc, lambda: None)

    def set_many(self, data: Any, timeout: Any = ..., version: Any = None) -> list[Any]:
        kwargs = {} if timeout is ... else {"timeout": timeout}
        try:
            return super().set_many(data, version=version, **kwargs)
        except CACHE_ERRORS as exc:
            return self._degraded("set_many", exc, lambda: list(data))

    def add(self, key: Any, value: Any, timeout: Any = ..., version: Any = None) -> bool:
        kwargs = {} if timeout is ... else {"timeout": timeout}
        try:
            return super().add(key, value, version=version, **kwargs)
        except CACHE_ERRORS as exc:
            return self._degraded("add", exc, lambda: False)

    def touch(self, key: Any, timeout: Any = ..., version: Any = None) -> bool:
        kwargs = {} if timeout is ... else {"timeout": timeout}
        try:
            return super().touch(key, version=version, **kwargs)
        except CACHE_ERRORS as exc:
            return self._degraded("touch", exc, lambda: False)

    def delete(self, key: Any, version: Any = None) -> bool:
        try:
            return super().delete(key, version)
        except CACHE_ERRORS as exc:
            return self._degraded("delete", exc, lambda: False)

    def delete_many(self, keys: Any, version: Any = None) -> None:
        try:
            super().delete_many(keys, version)
        except CACHE_ERRORS as exc:
            self._degraded("delete_many", exc, lambda: None)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        try:
            return super().incr(key, delta, version)
        except CACHE_ERRORS as exc:

            def missing() -> int:
                raise ValueError(f"Key '{key}' not found (cache unavailable)")

            return self._degraded("incr", exc, missing)

    def clear(self) -> None:
        try:
            super().clear()
        except CACHE_ERRORS as exc:
            self._degraded("clear", exc, lambda: None)
