"""Plugin code that runs while serving, each call in its own error boundary.

A request hook, template helper, widget or event hook that raises is
logged and skipped; the page is still served. A plugin failing on every
request is logged once a minute with a count, the first time with its
traceback, so the log stays readable.
"""
from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable

from markupsafe import Markup
from werkzeug.wrappers import Response

INTERVAL = 60.0  # seconds between two reports of the same failure


class FailureLog:
    """Rate-limited error reports, one stream per (plugin, place)."""

    def __init__(self, interval: float = INTERVAL, clock: Callable[[], float] = time.monotonic):
        self.interval, self.clock = interval, clock
        self.lock = threading.Lock()
        self.last: dict[tuple, float] = {}  # when each stream was last reported
        self.unreported: dict[tuple, int] = {}  # failures since then

    def report(self, plugin: str, where: str, error: BaseException) -> None:
        key = (plugin, where)
        now = self.clock()
        with self.lock:
            count = self.unreported[key] = self.unreported.get(key, 0) + 1
            previous = self.last.get(key)
            if previous is not None and now - previous < self.interval:
                return
            self.last[key], self.unreported[key] = now, 0
        logger = logging.getLogger(f"site_core.plugin.{plugin}")
        if previous is None:
            logger.error("plugin %s failed in %s", plugin, where, exc_info=error)
        else:
            logger.error("plugin %s failed in %s %d times in the last %d s; last error: %s: %s",
                         plugin, where, count, now - previous, type(error).__name__, error)


def guarded(function: Callable, plugin: str, where: str, failures: FailureLog, *,
            fallback: Callable = lambda *args, **kwargs: None) -> Callable:
    """``function`` in an error boundary: on error, report and return ``fallback(*args, **kwargs)``."""
    @functools.wraps(function)
    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception as error:
            failures.report(plugin, where, error)
            return fallback(*args, **kwargs)
    return call


def returning_response(function: Callable) -> Callable:
    """An ``after_request`` function that must hand the response on (a wrong return is its error)."""
    @functools.wraps(function)
    def call(response):
        result = function(response)
        if not isinstance(result, Response):
            raise TypeError(f"after_request must return the response, got {type(result).__name__}")
        return result
    return call


# What a failed request hook or template helper stands for.
FALLBACKS: dict[str, Callable] = {
    "before_request": lambda *a, **k: None,  # the request goes on
    "after_request": lambda response: response,  # the response goes out unchanged
    "teardown_request": lambda *a, **k: None,
    "template_global": lambda *a, **k: Markup(""),
    "template_filter": lambda *a, **k: Markup(""),
}
