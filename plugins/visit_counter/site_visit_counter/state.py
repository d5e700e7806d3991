"""The counter's per-app state: its settings, remembered salts, pending page views, a failure metric."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import Flask, current_app

KEY = "site_visit_counter"


@dataclass
class Counter:
    """What one app's counter keeps in memory (``app.extensions``)."""

    plugin: object
    salts: dict = field(default_factory=dict)  # day -> salt, today's and yesterday's
    failures: int = 0  # hits that could not be written (logged each time)
    last_cleanup: float | None = None  # Unix seconds of the last opportunistic cleanup
    signer: object = None  # the visitor cookie's signer, made on first use
    lock: threading.Lock = field(default_factory=threading.Lock)
    pending: object = None  # this process's page views not yet written (``pending.Pending``)
    shown: tuple = (None, None)  # (day, Figures) the widget last showed

    @property
    def settings(self) -> dict:
        return self.plugin.settings

    @property
    def logger(self):
        return self.plugin.logger

    def count_failure(self) -> None:
        with self.lock:
            self.failures += 1


def init_app(app: Flask, plugin) -> Counter:
    counter = app.extensions[KEY] = Counter(plugin)
    return counter


def get(app: Flask | None = None) -> Counter:
    return (app or current_app).extensions[KEY]
