"""The load benchmark's bare render: the reader pages' templates with no widgets and no database.

``gunicorn -c gunicorn.conf.py --pythonpath bench load_baseline:app`` serves
``/baseline`` + a reader page's path (``/``, ``/bai-viet/<slug>``,
``/chuyen-muc/<slug>``): the same site (templates, filters, security headers)
with no plugins, rendering ``article.html`` or ``index.html`` for the
articles and first listing pages read once at start-up — no widgets and no
database work per request. ``bench/load_site.py`` measures it beside the real
pages, with the same worker count.
"""
import sqlalchemy as sa
from flask import abort, render_template

from site_core import create_app
from site_core.articles import Article, Category, public_articles
from site_core.db import db
from site_core.menu import site_menu

app = create_app({"PLUGINS": {"enabled": []}})


def _first_page(query):
    return db.paginate(query, page=1, per_page=app.config["PER_PAGE"], error_out=False, count=True)


with app.app_context():
    ARTICLES = {a.slug: a for a in db.session.scalars(sa.select(Article)).unique()}
    for article in ARTICLES.values():
        article.category, article.tags  # loaded now, kept after the session is gone
    HOME = _first_page(public_articles())
    CATEGORIES = {c.slug: (c, _first_page(public_articles().where(Article.category_id == c.id)))
                  for c in db.session.scalars(sa.select(Category))}
    with app.test_request_context():
        MENU = site_menu()
    db.session.expunge_all()
    db.session.remove()
    db.engine.dispose()


@app.get("/baseline/")
def home():
    return render_template("index.html", pagination=HOME, articles=HOME.items, site_menu=lambda: MENU)


@app.get("/baseline/chuyen-muc/<slug>")
def category(slug: str):
    found, page = CATEGORIES.get(slug) or abort(404)
    return render_template("index.html", pagination=page, articles=page.items, heading=found.name,
                           category=found, site_menu=lambda: MENU)


@app.get("/baseline/bai-viet/<slug>")
def article(slug: str):
    found = ARTICLES.get(slug) or abort(404)
    return render_template("article.html", article=found, site_menu=lambda: MENU)
