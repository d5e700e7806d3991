"""The page cache: reader pages kept in memory, their per-reader parts filled in per request.

The home page, categories, tags and articles (``GET``) are rendered once per
address (the site's, as the request sees it, and the path), listing page
(``?page=``, the first ``CACHED_PAGES`` only) and content version. Other
query parameters are read by no reader page, so ``?fbclid=…`` links share
the kept page instead of filling memory with copies. Each is kept with
each part that is not the same for every reader
left as a hole (:mod:`.holes`): widgets declaring ``varies="reader"`` (the
default) or a number of seconds, and ``per_reader`` parts. Each request then
costs the content version's read (the one every reader page makes, on a
driver connection of its own: no session), the holes and the ``after_request`` hooks (``site_page_view`` included).

A kept page is served while the content version is the one it was rendered
at and until the next scheduled article's time (or a widget's
``Page.valid_until``), so edits are seen on the next request by every
worker and host, and scheduled articles appear on time. Pages are kept in
a least-recently-used store bounded in bytes (``PAGE_CACHE_BYTES``); a
page whose shared part drew a CSRF token, or that is not a 200, is not
kept. ``PAGE_CACHE = false`` turns it off.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, request

from . import clock, content_version, reader_forms
from .articles import CACHED_PAGES, until_scheduled
from .holes import Template
from .routing import page_number

KEY = "site_core.page_cache"
PAGES = frozenset({"reader.index", "reader.category", "reader.tag", "reader.article"})


@dataclass(frozen=True)
class Kept:
    """A page as kept: cut at its holes, the article it shows, when it stops being valid."""

    template: Template
    article: Any
    version: int
    rendered_at: dt.datetime
    valid_until: dt.datetime | None

    def valid_at(self, version: int, now: dt.datetime) -> bool:
        return (version == self.version and self.rendered_at <= now
                and (self.valid_until is None or now < self.valid_until))


class PageStore:
    """Kept pages, least recently used dropped first once their bytes pass ``limit``."""

    def __init__(self, limit: int):
        self.limit = limit
        self.bytes = 0
        self.hits = self.misses = self.evictions = 0
        self._version: int | None = None
        self._pages: OrderedDict[Hashable, Kept] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: int, now: dt.datetime) -> Kept | None:
        with self._lock:
            if version != self._version:  # the content moved: nothing kept is worth keeping
                self._pages.clear()
                self.bytes, self._version = 0, version
            found = self._pages.get(key)
            if found is not None and found.valid_at(version, now):
                self._pages.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
            return None

    def put(self, key: Hashable, page: Kept) -> None:
        size = page.template.size
        if size > self.limit:
            return
        with self._lock:
            if page.version != self._version:
                return
            old = self._pages.pop(key, None)
            self.bytes += size - (old.template.size if old else 0)
            self._pages[key] = page
            while self.bytes > self.limit:
                _, dropped = self._pages.popitem(last=False)
                self.bytes -= dropped.template.size
                self.evictions += 1

    def stats(self) -> dict:
        with self._lock:
            return {"pages": len(self._pages), "bytes": self.bytes, "limit": self.limit, "hits": self.hits,
                    "misses": self.misses, "evictions": self.evictions}


def store(app: Flask | None = None) -> PageStore | None:
    """The app's page store (None when ``PAGE_CACHE`` is off)."""
    return (app or current_app).extensions.get(KEY)


def init_app(app: Flask) -> None:
    if not app.config["PAGE_CACHE"]:
        return
    app.extensions[KEY] = PageStore(app.config["PAGE_CACHE_BYTES"])
    # Before the reader blueprint's own before_request (which opens the session's connection, in
    # autocommit on PostgreSQL): a kept page needs no session. Reader after_request functions
    # run before the app's (the page view, the headers).
    app.before_request_funcs.setdefault("reader", []).insert(0, _serve)
    app.after_request_funcs.setdefault("reader", []).append(_keep)


def _serve():
    """A kept page with its holes filled; else start keeping this one."""
    if request.method != "GET" or request.endpoint not in PAGES:
        return None
    listing_page = request.args.get("page")
    if listing_page is not None and (page_number(listing_page) or CACHED_PAGES + 1) > CACHED_PAGES:
        return None  # deep listing pages (crawlers walk them all) are rendered each time
    key = (request.scheme, request.host, request.script_root, request.path, listing_page)
    version, now = content_version.current(), clock.now()
    found = store().get(key, version, now)
    if found is not None:
        g.article = found.article  # for site_page_view, as the view would
        return _respond(current_app.response_class(found.template.fill(), mimetype="text/html"))
    g.page_holes = []
    g.page_key = (key, version, now)
    g.pop("valid_until", None)
    return None


def _keep(response):
    holes = g.pop("page_holes", None)
    if holes is None:
        return response
    key, version, now = g.pop("page_key")
    template = Template.cut(response.get_data(as_text=True), holes)
    if response.status_code == 200 and response.mimetype == "text/html" and not _read_a_token():
        until = min(filter(None, (next_scheduled(), g.pop("valid_until", None))), default=None)
        store().put(key, Kept(template, g.get("article"), version, now, until))
    response.set_data(template.fill())
    return _respond(response)


def _read_a_token() -> bool:
    """Whether the shared part of the page drew a CSRF token (a theme's form outside any
    ``per_reader`` part): such a page is never kept, it would hand one reader's token to all."""
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") in g or reader_forms.DRAWN in g


def _respond(response):
    """Pages with a per-reader part may differ per cookie: no shared cache may keep them."""
    if g.get("per_reader_parts"):
        response.vary.add("Cookie")
        response.headers.setdefault("Cache-Control", "private, no-cache")
    return response


def next_scheduled() -> dt.datetime | None:
    """When the next scheduled article or static page becomes public (None: none is
    scheduled); the menu on every page lists static pages."""
    from .pages import StaticPage

    return until_scheduled(content_version.process_cache(), "page cache", lambda: None,
                           (StaticPage,)).valid_until
