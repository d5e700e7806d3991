"""Holes: the parts of a cached page filled in again for every request.

While a page is rendered for the page cache (:mod:`.page_cache`), what must
be rendered per request is not rendered but left as a marker, an HTML
comment carrying this process's random token and the hole's number; the
function and arguments that fill it are kept with the page. The token never
leaves the process (every marker is replaced before a page is sent), so no
article text can forge a hole. Outside such a render (the page cache off,
a page it does not keep) a hole is filled at once: the output is the same.
"""
from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import g
from markupsafe import Markup, escape

from . import plugins
from .db import db

log = logging.getLogger("site_core.holes")

TOKEN = secrets.token_hex(16)
MARKER = re.compile(f"<!--hole:{TOKEN}:([0-9]+)-->")


@dataclass(frozen=True)
class Hole:
    """A part rendered per request: ``render(*args)``; ``per_reader`` if it may differ per reader
    (the page then says ``Vary: Cookie``), else only per moment. ``plugin``: whose part it is
    (a failure is that plugin's, reported at most once a minute)."""

    render: Callable[..., Any]
    args: tuple
    per_reader: bool = True
    plugin: str | None = None

    def fill(self) -> str:
        if self.per_reader:
            g.per_reader_parts = True  # the response differs per reader (see page_cache)
        try:
            html = self.render(*self.args)
        except Exception as error:  # a widget's own boundary catches its errors; this is a part's
            self._failed(error)
            return ""
        return "" if html is None else str(escape(html))

    def _failed(self, error: Exception) -> None:
        if self.plugin is None:
            log.exception("a per-request part of the page failed: %r", self.render)
            return
        plugins.get().failures.report(self.plugin, "per_reader part", error)
        db.session.rollback()  # as after a failed widget: clears an aborted PostgreSQL transaction


def capturing() -> bool:
    """Whether the page being rendered is kept by the page cache (so holes are left as markers)."""
    return g.get("page_holes") is not None


def render_shared(render: Callable[[], str]) -> "Template":
    """``render()`` with its holes left as markers (a part shared between readers, its
    per-reader parts still filled per request); the holes of any enclosing capture are kept."""
    outer = g.get("page_holes")
    g.page_holes = []
    try:
        html = render()
    finally:
        inner, g.page_holes = g.page_holes, outer
    return Template.cut(str(html), inner)


def hole(render: Callable[..., Any], *args, per_reader: bool = True) -> Markup:
    """``render(*args)`` for this request: now, or as a marker filled in for every request."""
    part = Hole(render, args, per_reader, g.get("rendering_plugin"))
    holes = g.get("page_holes")
    if holes is None:
        return Markup(part.fill())
    holes.append(part)
    return Markup(f"<!--hole:{TOKEN}:{len(holes) - 1}-->")


def per_reader(render: Callable[..., Any], *args) -> Markup:
    """The part of a widget that differs per reader (a form with its CSRF token, what they chose):
    ``render(*args)`` runs for every request, also when the rest of the page comes from memory.
    It returns HTML like a widget's ``render``: ``Markup``, a ``str`` (escaped) or None."""
    return hole(render, *args)


@dataclass(frozen=True)
class Template:
    """A rendered page (or part) cut at its holes: ``parts`` around ``holes``."""

    parts: tuple[str, ...]
    holes: tuple[Hole, ...]

    @classmethod
    def cut(cls, html: str, holes: list[Hole]) -> "Template":
        pieces = MARKER.split(html)  # text, number, text, number, …, text
        return cls(tuple(pieces[::2]), tuple(holes[int(n)] for n in pieces[1::2]))

    @property
    def size(self) -> int:
        """Roughly the bytes kept (the text's length; Vietnamese text takes a little more)."""
        return sum(map(len, self.parts))

    def fill(self) -> str:
        if not self.holes:
            return self.parts[0]
        out = [self.parts[0]]
        for found, text in zip(self.holes, self.parts[1:]):
            out.append(found.fill())
            out.append(text)
        return "".join(out)
