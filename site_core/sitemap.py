"""``/sitemap.xml`` (sitemaps.org) listing every public page, and ``/robots.txt`` naming it.

Each kind of page is one function in :data:`SOURCES` yielding ``(path,
lastmod)``; drafts and scheduled articles never appear. Past
``SITEMAP_MAX_URLS`` addresses the sitemap becomes an index of
``/sitemap-1.xml``, ``/sitemap-2.xml``... The paths are kept in a cache of
their own until the content version moves or a scheduled article's time
comes; the documents are built from them per host name (links are absolute).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote
from xml.sax.saxutils import escape

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for

from .articles import Article, Category, Tag, article_tags, public_articles, until_scheduled
from .pages import StaticPage, public_pages
from .content_version import ProcessCache
from .db import db

blueprint = Blueprint("sitemap", __name__)

NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
Entry = tuple[str, dt.datetime]  # a site-relative path and when it last changed


def path_for(endpoint: str) -> Callable[[str], str]:
    """``slug -> path`` of ``endpoint``, built once (``url_for`` for each of 50,000 pages takes seconds)."""
    marker = "0slug0"
    head, tail = url_for(endpoint, slug=marker).rsplit(marker, 1)
    return lambda slug: f"{head}{quote(slug, safe='')}{tail}"


def _dated(endpoint: str, query: sa.Select, model) -> Iterable[Entry]:
    """Each row of ``query`` (articles or pages) as its path and its last change."""
    path = path_for(endpoint)
    for slug, published, updated in db.session.execute(
            query.with_only_columns(model.slug, model.published_at, model.updated_at)):
        yield path(slug), max(published, updated)


def _articles() -> Iterable[Entry]:
    return _dated("reader.article", public_articles(), Article)


def _grouped(endpoint: str, model, articles: Callable[[sa.Select], sa.Select]) -> Iterable[Entry]:
    """Categories or tags with at least one public article (``articles`` joins them), changed
    when their newest article did."""
    path = path_for(endpoint)
    rows = db.session.execute(articles(
        sa.select(model.slug, sa.func.max(Article.published_at), sa.func.max(Article.updated_at)))
        .where(public_articles().whereclause).group_by(model.id, model.slug).order_by(model.slug))
    for slug, published, updated in rows:
        yield path(slug), max(published, updated)


def _categories() -> Iterable[Entry]:
    return _grouped("reader.category", Category, lambda q: q.join(Article, Article.category_id == Category.id))


def _tags() -> Iterable[Entry]:
    return _grouped("reader.tag", Tag, lambda q: q.join(article_tags, article_tags.c.tag_id == Tag.id).join(
        Article, Article.id == article_tags.c.article_id))


def _pages() -> Iterable[Entry]:
    return _dated("reader.static_page", public_pages(), StaticPage)


def _home() -> Iterable[Entry]:
    newest = db.session.execute(public_articles().with_only_columns(
        Article.published_at, Article.updated_at).limit(1)).first()
    if newest is not None:
        yield url_for("reader.index"), max(newest)


SOURCES: list[Callable[[], Iterable[Entry]]] = [_home, _articles, _categories, _tags, _pages]


def _list() -> list[Entry]:
    return [entry for source in SOURCES for entry in source()]


def documents() -> list[Document]:
    """``[/sitemap.xml, /sitemap-1.xml, ...]`` for this request's host: one urlset, or an index and its parts."""
    cache: ProcessCache = current_app.extensions["site_core.sitemap_cache"]
    listed = until_scheduled(cache, "entries", _list, (StaticPage,))
    return cache.get(("documents", request.host_url, listed.computed_at), lambda: _render(listed.value))


def _render(entries: list[Entry]) -> list[Document]:
    root = request.host_url.rstrip("/")
    size = current_app.config["SITEMAP_MAX_URLS"]
    if len(entries) <= size:
        return [Document.of(_urlset(root, entries))]
    parts = [entries[start:start + size] for start in range(0, len(entries), size)]
    index = [(url_for(".part", number=n, _external=True), max(when for _, when in part))
             for n, part in enumerate(parts, start=1)]
    return [Document.of(_xml("sitemapindex", "sitemap", index)),
            *(Document.of(_urlset(root, part)) for part in parts)]


def _urlset(root: str, entries: list[Entry]) -> str:
    return _xml("urlset", "url", ((root + path, when) for path, when in entries))


def _xml(document: str, element: str, rows: Iterable[Entry]) -> str:
    """The sitemaps.org XML: ``<document>`` of ``<element><loc>…</loc><lastmod>…</lastmod></element>``.

    Written out by hand: a template takes seconds for 50,000 addresses.
    """
    lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{document} xmlns="{NAMESPACE}">']
    lines.extend(f"<{element}><loc>{escape(loc)}</loc><lastmod>{when.isoformat(timespec='seconds')}</lastmod>"
                 f"</{element}>" for loc, when in rows)
    lines.append(f"</{document}>\n")
    return "\n".join(lines)


@dataclass(frozen=True)
class Document:
    """One sitemap file, encoded, with its ETag."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, text: str) -> "Document":
        body = text.encode()
        return cls(body, hashlib.sha1(body).hexdigest())

    def response(self):
        response = make_response(self.body)
        response.mimetype = "application/xml"
        response.headers["Cache-Control"] = "no-cache"  # revalidate: the ETag makes that cheap
        response.set_etag(self.etag)
        return response.make_conditional(request)


@blueprint.get("/sitemap.xml")
def index():
    return documents()[0].response()


@blueprint.get("/sitemap-<id:number>.xml")
def part(number: int):
    found = documents()
    if not 1 <= number < len(found):
        abort(404)
    return found[number].response()


@blueprint.get("/robots.txt")
def robots():
    response = make_response(render_template("robots.txt"))
    response.mimetype = "text/plain"
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def init_app(app) -> None:
    app.extensions["site_core.sitemap_cache"] = ProcessCache(size=4)  # the paths, and a few host names' files
    app.register_blueprint(blueprint)
