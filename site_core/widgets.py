"""Rendering the sidebar: each widget isolated, timed and optionally cached.

A widget's ``varies`` says how long its output may be shared between
readers: ``"reader"`` (the default) renders it for every request,
``"content"`` keeps it in the cached page until the content changes, a
number of seconds shares it that long (see :mod:`.page_cache`).

A widget that raises is logged with its name and replaced by a hidden
marker; the request's session is rolled back, so the rest of the request
still works (on PostgreSQL an aborted transaction would otherwise poison
every later query). Render times go to ``Server-Timing``.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import current_app, g, render_template, request
from markupsafe import Markup, escape

from . import clock, holes, plugins as plugin_registry
from .cache import cache
from .db import db

READER, CONTENT = "reader", "content"
RECENT_LIMIT = 1024  # fragments shared for some seconds, kept per process
_FAR = datetime.max.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Page:
    """What a widget is rendered for: the article shown (or None) and its plugin."""

    article: Any
    plugin: Any

    @property
    def settings(self) -> dict:
        return self.plugin.settings

    def valid_until(self, instant) -> None:
        """This widget's output changes at ``instant`` (e.g. a poll's closing time):
        no copy of it is shared past then."""
        until = g.get("valid_until")
        if until is None or instant < until:
            g.valid_until = instant


@dataclass(frozen=True)
class Widget:
    """A sidebar widget.

    Give ``template`` (rendered with the mapping ``context(page)`` returns,
    plus ``page``, ``plugin`` and ``settings``) or ``render(page)`` returning
    HTML (a plain ``str`` is escaped as text; return ``Markup`` for HTML).
    When ``context`` or ``render`` returns ``None`` the widget is left out of
    this page (e.g. "related news" on the home page).
    ``varies`` says for whom the output is the same: ``"reader"`` (default:
    rendered for every request), ``"content"`` (every reader, until the
    content version moves or :meth:`Page.valid_until` passes) or a number of
    seconds (every reader, that long, per ``cache_key``). A per-reader part
    inside a shared widget goes through ``site_core.api.per_reader``.
    ``cache_seconds`` > 0 caches the rendered fragment per ``cache_key(page)``
    (default: the article's id) in the site's cache; :meth:`forget` drops
    cached fragments when the data behind them changes.
    """

    title: str
    template: str | None = None
    context: Callable[[Page], Mapping] | None = None
    render: Callable[[Page], Any] | None = None
    name: str | None = None
    position: int = 100
    cache_seconds: int = 0
    cache_key: Callable[[Page], Hashable] | None = None
    varies: str | int = READER

    def bind(self, plugin_name: str) -> "Widget":
        """This widget with its name filled in and checked."""
        name = self.name or plugin_name
        if name != plugin_name and not name.startswith(plugin_name + "_"):
            raise ValueError(f"widget name {name!r} must be {plugin_name!r} or start with {plugin_name}_")
        if (self.template is None) == (self.render is None):
            raise ValueError(f"widget {name!r}: give exactly one of template and render")
        if self.varies not in (READER, CONTENT) and not (type(self.varies) is int and self.varies > 0):
            raise ValueError(f"widget {name!r}: varies must be 'reader', 'content' or seconds > 0, "
                             f"got {self.varies!r}")
        return replace(self, name=name)

    def cache_id(self, page: Page) -> str:
        return self._cache_id(self.cache_key(page) if self.cache_key else getattr(page.article, "id", None))

    def _cache_id(self, key: Hashable) -> str:
        return f"widget:{self.name}:{key}"

    def forget(self, keys: Iterable[Hashable]) -> None:
        """Drop the cached fragments of these cache keys (article ids by default), in every worker
        (those shared for ``varies`` seconds: in this process; other workers within those seconds).
        When the data behind a ``varies="content"`` widget changes, ``site_core.api.content_changed``
        moves the content version instead."""
        ids = [self._cache_id(key) for key in keys]
        if ids:
            cache.delete_many(*ids)
            for key in ids:  # shared for some seconds: in this process
                _recent().pop(key, None)


def render_sidebar(article=None) -> Markup:
    """Every enabled widget, in sidebar order, each in its own error boundary."""
    registry = plugin_registry.get()
    parts = []
    shared = holes.capturing()
    for plugin in registry.enabled:
        for widget in plugin.widgets:
            page = Page(article, plugin)
            if shared and widget.varies != CONTENT:
                parts.append(holes.hole(_render_timed, widget, page, per_reader=widget.varies == READER))
            else:
                parts.append(_render_timed(widget, page))
    return Markup("\n").join(parts)


def _render_timed(widget: Widget, page: Page) -> Markup:
    started = time.perf_counter()
    try:
        return _render_cached(widget, page)
    finally:
        timings = g.setdefault("widget_timings", [])
        timings.append((widget.name, (time.perf_counter() - started) * 1000))


def _render_cached(widget: Widget, page: Page) -> Markup:
    if isinstance(widget.varies, int):
        return _render_recent(widget, page)
    if widget.cache_seconds <= 0:
        return _render_isolated(widget, page)
    key = widget.cache_id(page)
    html = _cache_call(page, "cache read", cache.get, key)
    if html is None:
        html = _render_isolated(widget, page)
        if html and "data-widget-error" not in html:  # never cache a failure or "nothing yet"
            _cache_call(page, "cache write", cache.set, key, str(html), timeout=widget.cache_seconds)
    return Markup(html)


def _render_recent(widget: Widget, page: Page) -> Markup:
    """A widget shared for ``varies`` seconds (or until its ``valid_until``), kept in this
    process with its ``per_reader`` parts as holes, filled for each request."""
    kept = _recent()
    key = widget.cache_id(page)
    now = clock.now()
    found = kept.get(key)
    if found is None or not found[0] <= now < found[1]:
        outer = g.pop("valid_until", None)
        shared = holes.render_shared(lambda: _render_isolated(widget, page))
        until = min(g.pop("valid_until", None) or _FAR, now + timedelta(seconds=widget.varies))
        if outer is not None:
            g.valid_until = outer
        found = (now, until, shared)
        if "data-widget-error" not in shared.parts[0]:
            if len(kept) >= RECENT_LIMIT:  # bounded: old moments are worth nothing
                kept.clear()
            kept[key] = found
    return Markup(found[2].fill())


def _recent() -> dict:
    return current_app.extensions.setdefault("site_core.recent_fragments", {})


def _cache_call(page: Page, where: str, method, *args, **kwargs):
    """A cache read or write that may fail (a bad key, the cache server down): the page renders uncached."""
    try:
        return method(*args, **kwargs)
    except Exception as error:
        plugin_registry.get().failures.report(page.plugin.name, where, error)
        return None


def _render_isolated(widget: Widget, page: Page) -> Markup:
    outer, g.rendering_plugin = g.get("rendering_plugin"), page.plugin.name  # whose per_reader parts
    try:
        body = _render_body(widget, page)
    except Exception as error:
        plugin_registry.get().failures.report(page.plugin.name, f"widget {widget.name}", error)
        # Widgets write in transactions of their own, so the session holds only
        # reads: rolling it back undoes the failed widget's work and clears an
        # aborted PostgreSQL transaction, so later queries in the request work.
        db.session.rollback()
        return Markup('<div hidden data-widget-error="{}"></div>').format(widget.name)
    finally:
        g.rendering_plugin = outer
    if body is None:
        return Markup("")
    name = escape(widget.name)  # plain concatenation: Markup.format costs more than the rest
    return Markup(f'<section class="widget" data-widget="{name}" aria-labelledby="widget-{name}-title">'
                  f'<h2 class="widget-title" id="widget-{name}-title">{escape(widget.title)}</h2>'
                  f'{body}</section>')


def _render_body(widget: Widget, page: Page) -> Markup | None:
    if widget.render is not None:
        html = widget.render(page)
        if html is not None and not isinstance(html, str):
            raise TypeError(f"render must return str, Markup or None, got {type(html).__name__}")
        return None if html is None else escape(html)
    context = widget.context(page) if widget.context else {}
    if context is None:
        return None
    return Markup(render_template(widget.template, page=page, plugin=page.plugin,
                                  settings=page.settings, **dict(context)))


def server_timing_header() -> str | None:
    """The ``Server-Timing`` value for this request's widgets, if any."""
    timings = g.get("widget_timings")
    if not timings:
        return None
    return ", ".join(f"{name};dur={ms:.2f}" for name, ms in timings)


def page_assets() -> tuple[list[str], list[str]]:
    """URLs of the enabled plugins' CSS and JS files (built once per app and script root)."""
    from flask import url_for

    built = current_app.extensions.setdefault("site_core.page_assets", {})
    if request.script_root not in built:
        css, js = [], []
        for plugin in plugin_registry.get().enabled:
            for filename in plugin.assets:
                url = url_for(f"{plugin.name}.static", filename=filename)
                (css if filename.endswith(".css") else js).append(url)
        built[request.script_root] = (css, js)
    return built[request.script_root]


def publish_internals() -> bool:
    """Whether versions and timings may be shown (``DEBUG``, ``TESTING`` or ``PLUGINS_INTROSPECTION``)."""
    app = current_app
    return bool(app.debug or app.testing or app.config["PLUGINS_INTROSPECTION"])


PREFETCH = ("prefetch", "prerender")


def is_reader_page() -> bool:
    return bool(request.endpoint) and request.endpoint.startswith("reader.")


def is_prefetch(req=None) -> bool:
    """A speculative load (``Sec-Purpose``/``Purpose``: prefetch, prerender), not a reader's view."""
    req = req or request
    purpose = req.headers.get("Sec-Purpose", req.headers.get("Purpose", ""))
    return purpose.split(";")[0].strip().lower() in PREFETCH


def is_page_view(req=None) -> bool:
    """A reader page ``GET`` that a reader really looked at (what ``site_page_view`` reports);
    not an error page, though it shows the sidebar too."""
    req = req or request
    return req.method == "GET" and is_reader_page() and not is_prefetch(req) and not g.get("error_page")
