"""Reader pages: home, article, category and tag listings."""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, g, jsonify, render_template, request

from . import plugins
from .articles import (Article, Category, Tag, by_slug, menu_categories, public_article, public_articles,
                       public_page)
from .db import db
from .routing import page_number
from .widgets import publish_internals

reader = Blueprint("reader", __name__)
introspection = Blueprint("introspection", __name__)


def nav_categories() -> list[dict]:
    """Categories for the menu; an empty menu if the database is unreachable."""
    try:
        return menu_categories()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return []


@reader.before_request
def _reads_without_a_transaction():
    """On PostgreSQL a reader page's reads run in autocommit: at READ COMMITTED a
    transaction gives its statements no common snapshot anyway, and this saves
    the BEGIN and ROLLBACK round trips of every page. (Writes never go through
    a reader page's session: they use transactions of their own.)"""
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


@reader.app_context_processor
def _menu():
    return {"nav_categories": nav_categories}


def _page_number() -> int:
    return page_number(request.args.get("page")) or abort(404)


def _listing(key: tuple, query: Callable[[], sa.Select], template: str = "index.html", **context):
    page = public_page(key, query, _page_number(), current_app.config["PER_PAGE"])
    if page.page > 1 and not page.items:
        abort(404)
    return render_template(template, pagination=page, articles=page.items, **context)


@reader.get("/")
def index():
    return _listing(("home",), public_articles)


@reader.get("/chuyen-muc/<slug:slug>")
def category(slug: str):
    found = by_slug(Category, slug) or abort(404)
    return _listing(("category", found.id), lambda: public_articles().where(Article.category_id == found.id),
                    heading=found.name, category=found)


@reader.get("/the/<slug:slug>")
def tag(slug: str):
    found = by_slug(Tag, slug) or abort(404)
    return _listing(("tag", found.id), lambda: public_articles().where(Article.tags.any(Tag.id == found.id)),
                    heading=f"Thẻ: {found.name}", tag=found)


@reader.get("/bai-viet/<slug:slug>")
def article(slug: str):
    found = public_article(slug)
    if found is None:
        abort(404)
    g.article = found
    return render_template("article.html", article=found)


@introspection.get("/-/plugins.json")
def plugins_json():
    if not publish_internals():
        abort(404)
    return jsonify(plugins=plugins.get().describe())
