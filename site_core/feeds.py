"""Atom feeds: the site's newest articles (``/tin-moi.atom``) and each category's.

Newest first, ``FEED_SIZE`` entries, every link absolute. The articles come
from the same content cache as the listings, so a feed is current as soon as
an article is published, edited or unpublished, or a scheduled one's time
comes. ``/rss`` and ``/feed``, where readers look first, redirect here.

Text from imports may carry characters XML 1.0 forbids (a vertical tab from
a word processor's line break, say); one such character makes a whole feed
unreadable, so they are dropped. A feed carries an ``ETag`` and
``Cache-Control: no-cache``: readers ask again every time, and get a 304
while nothing changed.
"""
from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for

from . import clock
from .articles import Article, Category, by_slug, public_articles, public_page

blueprint = Blueprint("feeds", __name__)

MIMETYPE = "application/atom+xml"
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def changed_at(article) -> dt.datetime:
    """When an article last changed for a reader: its edit, or its (later) publication."""
    return max(article.updated_at, article.published_at)


def _feed(key: tuple, query, title: str, home: str):
    articles = public_page(("feed", *key), query, 1, current_app.config["FEED_SIZE"]).items
    xml = render_template("feeds/atom.xml", title=title, articles=articles, home=home,
                          updated=max(map(changed_at, articles), default=clock.now()), changed_at=changed_at)
    response = make_response(NOT_IN_XML.sub("", xml))
    response.mimetype = MIMETYPE
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


@blueprint.get("/tin-moi.atom")
def site_feed():
    return _feed(("home",), public_articles, current_app.config["SITE_NAME"],
                 url_for("reader.index", _external=True))


@blueprint.get("/chuyen-muc/<slug:slug>/tin-moi.atom")
def category_feed(slug: str):
    found = by_slug(Category, slug) or abort(404)
    return _feed(("category", found.id), lambda: public_articles().where(Article.category_id == found.id),
                 f"{found.name} – {current_app.config['SITE_NAME']}",
                 url_for("reader.category", slug=found.slug, _external=True))


@blueprint.get("/rss")
@blueprint.get("/feed")
def feed_elsewhere():
    return redirect(url_for(".site_feed"), 301)
