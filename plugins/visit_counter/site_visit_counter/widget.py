"""The sidebar widget: the figures, with the reader's own page view already in them.

The count of this page view is written after the request (see
:mod:`.counting`), so the widget adds it to what it reads: one page view,
and one visit if this page view starts one; and so too the page views this
process has not written yet.
"""
from __future__ import annotations

from dataclasses import replace

from flask import request, url_for

from site_core import clock
from site_core.api import db, is_page_view

from . import counting, state, store
from .figures import PERIODS, Counts, Figures, figures

PERIOD_NAMES = tuple(name for name, _ in PERIODS)


def never_fewer(counter, today, shown: Figures) -> Figures:
    """``shown``, or more: in one process no figure goes back within a day, and "all time" never does.

    A batch this process has just written has left its pending page views
    but may not be in what this page read yet (SQLite reads from the
    snapshot its transaction began with, the finished days' sums may come
    from the cache); the counts only ever grow, so the larger figure is right.
    """
    with counter.lock:
        day, before = counter.shown
        if before is not None:
            floors = PERIOD_NAMES if day == today else ("total",)
            shown = replace(shown, **{name: Counts(*map(max, zip(getattr(shown, name).astuple(),
                                                                 getattr(before, name).astuple())))
                                      for name in floors})
        counter.shown = (today, shown)
    return shown


def context(page) -> dict:
    settings = page.settings
    if settings["mode"] == "beacon" and not is_page_view(request):
        return None  # e.g. an error page's sidebar: nothing there for the script to count
    now = clock.now()
    today = counting.bucket(now)
    reader = db.session.connection()
    counter = state.get()
    pending = {day: Counts(*counts) for day, counts in counter.pending.by_day().items()}
    hit = None
    if settings["mode"] == "server" and is_page_view(request):
        hit = counting.current_hit()
    if hit is not None:
        mine = Counts(bot_views=1) if hit.visitor is None else Counts(int(hit.likely_new), 1)
        pending[hit.day] = pending.get(hit.day, Counts()) + mine
    online = None
    if settings["online_minutes"]:
        mine = hit.visitor if hit is not None else None
        online = store.online(reader, int(now.timestamp()), settings["online_minutes"], besides=mine)
        online += mine is not None
    stored = hit.stored_day if hit is not None and hit.day == today else None  # read with the lookup
    live = Counts(*(stored or store.today_counts(reader, today))) + pending.pop(today, Counts())
    shown = never_fewer(counter, today, figures(reader, today, settings["initial_total"], live=live,
                                                pending=pending, online=online,
                                                settled=counting.settled(settings, now)))
    return {
        "rows": shown.rows(),
        "online": shown.online,
        "beacon": url_for(f"{counter.plugin.name}.hit") if settings["mode"] == "beacon" else None,
    }
