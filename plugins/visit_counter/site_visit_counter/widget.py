"""The sidebar widget: count this page view first (server mode), then show the figures.

Counting before reading means a reader's own visit is in the figures on the
very page they open. If the write fails, the figures are read without it.
"""
from __future__ import annotations

from flask import request, url_for

from site_core import clock
from site_core.db import db

from . import counting, state
from .figures import Counts, figures
from .store import online as online_count


def context(page) -> dict:
    settings = page.settings
    now = clock.now()
    today = counting.bucket(now)
    hit = None
    if settings["mode"] == "server" and counting.countable_page(request):
        hit = counting.count_request()
    connection = db.session.connection()
    live = Counts(*hit.today) if hit is not None and hit.day == today else None
    online = hit.online if hit is not None else None
    if online is None and settings["online_minutes"]:
        online = online_count(connection, int(now.timestamp()), settings["online_minutes"])
    shown = figures(connection, today, settings["initial_total"], live=live, online=online)
    return {
        "rows": shown.rows(),
        "online": shown.online,
        "beacon": url_for(f"{state.get().plugin.name}.hit") if settings["mode"] == "beacon" else None,
    }
