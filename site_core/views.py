"""Reader pages: home, article, category and tag listings."""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, g, jsonify, redirect, render_template, request, url_for

from . import plugins
from .articles import (Article, Category, Tag, by_slug, public_article, public_articles,
                       public_page, retired_target)
from .db import db
from .marking import highlight, snippet
from .pages import public_static_page
from .routing import page_number
from .search import Query, search
from .widgets import publish_internals

reader = Blueprint("reader", __name__)
introspection = Blueprint("introspection", __name__)


@reader.before_request
def _reads_without_a_transaction():
    """On PostgreSQL a reader page's reads run in autocommit: at READ COMMITTED a
    transaction gives its statements no common snapshot anyway, and this saves
    the BEGIN and ROLLBACK round trips of every page. (Writes never go through
    a reader page's session: they use transactions of their own.)"""
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _page_number() -> int:
    return page_number(request.args.get("page")) or abort(404)


def _listing(key: tuple, query: Callable[[], sa.Select], template: str = "index.html", **context):
    page = public_page(key, query, _page_number(), current_app.config["PER_PAGE"])
    if not page.items and (page.page > 1 or key != ("home",)):  # an empty category or tag is not a page
        abort(404)
    return render_template(template, pagination=page, articles=page.items, **context)


@reader.get("/")
def index():
    return _listing(("home",), public_articles)


@reader.get("/chuyen-muc/<slug:slug>")
def category(slug: str):
    found = by_slug(Category, slug) or _merged_into(Category, slug)
    return _listing(("category", found.id), lambda: public_articles().where(Article.category_id == found.id),
                    heading=found.name, category=found)


@reader.get("/the/<slug:slug>")
def tag(slug: str):
    found = by_slug(Tag, slug) or _merged_into(Tag, slug)
    return _listing(("tag", found.id), lambda: public_articles().where(Article.tags.any(Tag.id == found.id)),
                    heading=f"Thẻ: {found.name}", tag=found)


def _merged_into(model, slug: str):
    """A 301 to where a merged category's or tag's old URL now lives; else 404."""
    target = retired_target(model, slug) or abort(404)
    abort(redirect(url_for(request.endpoint, slug=target.slug), 301))


@reader.get("/bai-viet/<slug:slug>")
def article(slug: str):
    found = public_article(slug)
    if found is None:
        abort(404)
    g.article = found
    return render_template("article.html", article=found)


@reader.get("/trang/<slug:slug>")
def static_page(slug: str):
    found = public_static_page(slug) or abort(404)
    return render_template("page.html", static_page=found)


@reader.get("/tim-kiem")
def search_results():
    text = request.args.get("q", "")
    query = Query.parse(text)
    found = search(query, _page_number(), current_app.config["PER_PAGE"]) if query.words else None
    return render_template("search.html", q=text, query=query, pagination=found, highlight=highlight,
                           snippet=snippet)


@introspection.get("/-/plugins.json")
def plugins_json():
    if not publish_internals():
        abort(404)
    return jsonify(plugins=plugins.get().describe())
