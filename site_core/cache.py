"""The cache for rendered widget fragments and plugins' derived data.

Flask-Caching: in-process (``SimpleCache``) by default; set ``CACHE_TYPE =
"RedisCache"`` and ``CACHE_REDIS_URL`` to share it between workers.

The cache is only an optimisation, so its server failing never fails a
request: the backend is wrapped in :class:`Tolerant`, where an error on a
read is a miss and on a write is skipped, with one warning a minute (with
the count of failures) instead of a traceback per request. After a failure
the server is left alone for ``RETRY_SECONDS``, so a host that does not
answer costs a worker one short socket timeout (``REDIS_OPTIONS``, no retries) a few
times a minute, not one per page. Keys whose delete was missed are deleted
when the server answers again, so nothing cleared during an outage comes
back stale afterwards.
"""
from __future__ import annotations

import logging
import threading
import time

from flask_caching import Cache

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0  # after a failure, the backend is not asked again for this long
WARN_SECONDS = 60.0  # at most one warning this often
MISSED_DELETES = 10_000  # beyond this many keys to delete later, the whole cache is cleared instead
REDIS_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}  # seconds; CACHE_OPTIONS overrides

READS = {"get": None, "has": False, "get_many": list, "get_dict": dict}  # method -> answer on a miss
DELETES = {"delete", "delete_many", "unlink"}


class Tolerant:
    """A Flask-Caching backend whose failures are misses and skipped writes, logged once a minute."""

    def __init__(self, backend, clock=time.monotonic):
        self.backend = backend
        self.clock = clock
        self.lock = threading.Lock()
        self.down_until = None  # while the backend is left alone (clock seconds)
        self.failures = 0  # operations failed or skipped since the last warning
        self.warned_at = None
        self.missed: set[str] | None = set()  # keys to delete when it answers; None: clear it all

    def __getattr__(self, name):
        found = getattr(self.backend, name)
        if not callable(found):
            return found
        return lambda *args, **kwargs: self._call(name, found, args, kwargs)

    def _call(self, name, method, args, kwargs):
        if self._resting():
            with self.lock:
                self.failures += 1
            return self._skipped(name, args)
        try:
            self._catch_up()
            return method(*args, **kwargs)
        except Exception as error:  # any backend failure: the page goes on without the cache
            self._failed(error)
            return self._skipped(name, args)

    def _resting(self) -> bool:
        down_until = self.down_until
        return down_until is not None and self.clock() < down_until

    def _skipped(self, name, args):
        if name in DELETES:
            self._remember(args)
        answer = READS.get(name, False)
        if name == "get_many":
            return [None] * len(args)
        return answer() if callable(answer) else answer

    def _remember(self, keys) -> None:
        with self.lock:
            if self.missed is not None:
                self.missed.update(keys)
                if len(self.missed) > MISSED_DELETES:
                    self.missed = None

    def _catch_up(self) -> None:
        """The first call after a failure: do the deletes missed meanwhile (or clear everything)."""
        if self.down_until is None:
            return
        with self.lock:
            missed, self.missed = self.missed, set()
        try:
            if missed is None:
                self.backend.clear()
            elif missed:
                self.backend.delete_many(*missed)
        except Exception:
            with self.lock:
                self.missed = None if missed is None or self.missed is None else self.missed | missed
            raise
        self.down_until = None
        logger.warning("cache: the cache server answers again")

    def _failed(self, error: Exception) -> None:
        now = self.clock()
        with self.lock:
            self.down_until = now + RETRY_SECONDS
            self.failures += 1
            if self.warned_at is not None and now - self.warned_at < WARN_SECONDS:
                return
            failures, self.failures, self.warned_at = self.failures, 0, now
        logger.warning("cache: %d cache operation(s) failed or skipped since the last warning; pages are "
                       "served without the cache (%s: %s)", failures, type(error).__name__, error)


class SiteCache(Cache):
    """Flask-Caching's ``Cache`` with a :class:`Tolerant` backend and short Redis timeouts."""

    def _set_cache(self, app, config) -> None:
        if config["CACHE_TYPE"].rsplit(".", 1)[-1].lower() == "rediscache":
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            no_retry = Retry(NoBackoff(), 0)  # a failed call is a miss at once, not after retries and backoff
            config["CACHE_OPTIONS"] = {**REDIS_OPTIONS, "retry": no_retry, **(config["CACHE_OPTIONS"] or {})}
        super()._set_cache(app, config)
        app.extensions["cache"][self] = Tolerant(app.extensions["cache"][self])


cache = SiteCache()


class PluginCache:
    """The shared cache with every key under a plugin's own namespace (``NAMESPACE:key``)."""

    def __init__(self, namespace: str) -> None:
        self.prefix = f"{namespace}:"

    def get(self, key: str):
        return cache.get(self.prefix + key)

    def set(self, key: str, value, timeout: int | None = None) -> bool:
        return cache.set(self.prefix + key, value, timeout=timeout)

    def delete(self, key: str) -> bool:
        return cache.delete(self.prefix + key)

    def delete_many(self, *keys: str) -> bool:
        return cache.delete_many(*(self.prefix + key for key in keys))
