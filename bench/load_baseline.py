"""The load benchmark's baseline: the article template rendered by a bare view.

``gunicorn --pythonpath bench load_baseline:app`` serves
``/baseline/<slug>``: the same site (same templates, filters, security
headers) with no plugins, and a view that renders ``article.html`` for an
article read once at start-up — no widgets and no database work per request.
``bench/load_site.py`` measures it beside the real article page.
"""
import sqlalchemy as sa
from flask import abort, render_template

from site_core import create_app
from site_core.articles import Article
from site_core.db import db
from site_core.menu import site_menu

app = create_app({"PLUGINS": {"enabled": []}})

with app.app_context():
    ARTICLES = {a.slug: a for a in db.session.scalars(sa.select(Article)).unique()}
    for article in ARTICLES.values():
        article.category, article.tags  # loaded now, kept after the session is gone
    with app.test_request_context():
        MENU = site_menu()
    db.session.expunge_all()
    db.session.remove()
    db.engine.dispose()


@app.get("/baseline/<slug>")
def baseline(slug: str):
    article = ARTICLES.get(slug) or abort(404)
    return render_template("article.html", article=article, site_menu=lambda: MENU)
