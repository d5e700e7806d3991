"""The page cache: reader pages from memory, exactly as fresh as without it.

Each test reads pages as a reader would and checks what a reader or an
editor relies on: an edit shows on the next request (also under load),
scheduled articles appear at their time, drafts never, a widget that
declares nothing stays per reader, article text cannot punch holes, the
headers say who may keep a page, and memory stays within its bound.
"""
import datetime as dt
import threading
import time

import pytest
import sqlalchemy as sa

from site_core import clock, page_cache
from site_core.articles import Article, ArticleInput, notify_change, save_article
from site_core.db import begin_write, db
from site_core.holes import TOKEN
from site_core.testing import form_token

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 3, 2, 3, 0, tzinfo=UTC)

PER_READER = '''
from flask import request
from site_core import Widget, hookimpl

@hookimpl
def site_widgets(plugin):
    return [Widget(title="Reader", render=lambda page: "reader=" + request.headers.get("X-Reader", "-"))]
'''

SHARED = '''
from site_core import Widget, hookimpl

RENDERS = []

@hookimpl
def site_widgets(plugin):
    return [Widget(title="Shared", render=lambda page: RENDERS.append(1) or "renders=%d" % len(RENDERS),
                   varies="content")]
'''


def edit(app, slug, **fields):
    """What an editor's save does: the article changed, committed, announced."""
    with app.app_context():
        found = db.session.scalar(sa.select(Article).where(Article.slug == slug))
        data = {"title": found.title, "body": found.body_html, "status": found.status,
                "published_at": found.published_at, **fields}
        begin_write()
        article, change = save_article(ArticleInput(**data), existing=found)
        db.session.commit()
        notify_change(article, change)


def hits(app) -> int:
    return page_cache.store(app).stats()["hits"]


def test_a_page_is_served_from_memory_and_an_edit_shows_on_the_next_request(site_app, make_article):
    article = make_article(site_app, title="Tin cũ", body="<p>Nội dung cũ</p>")
    client = site_app.test_client()
    path = f"/bai-viet/{article.slug}"
    assert "Nội dung cũ" in client.get(path).get_data(as_text=True)
    assert "Nội dung cũ" in client.get(path).get_data(as_text=True)
    assert hits(site_app) == 1
    edit(site_app, article.slug, body="<p>Nội dung mới</p>")
    html = client.get(path).get_data(as_text=True)
    assert "Nội dung mới" in html and "Nội dung cũ" not in html
    assert "Tin cũ" in client.get("/").get_data(as_text=True)
    edit(site_app, article.slug, title="Tin mới")
    assert "Tin mới" in client.get("/").get_data(as_text=True)


def test_under_load_no_page_read_after_an_edit_committed_shows_the_old_text(site_app, make_article):
    article = make_article(site_app, title="Tin", body="<p>bản-một</p>")
    paths = [f"/bai-viet/{article.slug}", "/"]
    edit_committed = []
    seen = []  # (started, path, old text shown)
    stop = threading.Event()

    def read():
        client = site_app.test_client()
        while not stop.is_set():
            for path in paths:
                started = time.monotonic()
                html = client.get(path).get_data(as_text=True)
                seen.append((started, path, "bản-một" in html or "Tin một" in html))

    readers = [threading.Thread(target=read) for _ in range(4)]
    edit(site_app, article.slug, title="Tin một")
    for thread in readers:
        thread.start()
    time.sleep(0.5)
    edit(site_app, article.slug, title="Tin hai", body="<p>bản-hai</p>")
    edit_committed.append(time.monotonic())
    time.sleep(0.5)
    stop.set()
    for thread in readers:
        thread.join()
    before = [old for started, _, old in seen if started < edit_committed[0]]
    after = [old for started, _, old in seen if started > edit_committed[0]]
    assert before and any(before) and after  # the load ran on both sides of the edit
    assert not any(after)
    assert hits(site_app) > 0


def test_a_scheduled_article_appears_exactly_at_its_time_on_every_page(site_app, make_article):
    clock.freeze(site_app, NOW)
    at = NOW + dt.timedelta(hours=2)
    make_article(site_app, title="Tin đã đăng", category="Thời sự", tags=["hội nghị"])
    later = make_article(site_app, title="Tin hẹn giờ", category="Thời sự", tags=["hội nghị"], published_at=at)
    client = site_app.test_client()
    pages = ["/", "/chuyen-muc/thoi-su", "/the/hoi-nghi"]
    for path in pages:
        assert "Tin hẹn giờ" not in client.get(path).get_data(as_text=True)
        assert "Tin hẹn giờ" not in client.get(path).get_data(as_text=True)  # from memory
    assert client.get(f"/bai-viet/{later.slug}").status_code == 404
    clock.freeze(site_app, at - dt.timedelta(microseconds=1))
    assert all("Tin hẹn giờ" not in client.get(path).get_data(as_text=True) for path in pages)
    clock.freeze(site_app, at)
    assert all("Tin hẹn giờ" in client.get(path).get_data(as_text=True) for path in pages)
    assert client.get(f"/bai-viet/{later.slug}").status_code == 200


def test_drafts_are_never_served_and_an_unpublished_article_goes_at_once(site_app, make_article):
    draft = make_article(site_app, title="Bản nháp", status="draft")
    shown = make_article(site_app, title="Sắp rút")
    client = site_app.test_client()
    for _ in range(2):
        assert client.get(f"/bai-viet/{draft.slug}").status_code == 404
        assert "Bản nháp" not in client.get("/").get_data(as_text=True)
        assert client.get(f"/bai-viet/{shown.slug}").status_code == 200
    edit(site_app, shown.slug, status="draft")
    assert client.get(f"/bai-viet/{shown.slug}").status_code == 404
    assert "Sắp rút" not in client.get("/").get_data(as_text=True)


def test_a_widget_declaring_nothing_is_rendered_for_each_reader(install_plugin, site_app_factory, make_article):
    install_plugin("mine", PER_READER)
    install_plugin("everyone", SHARED)
    app = site_app_factory({"PLUGINS": {"enabled": ["mine", "everyone"]}})
    article = make_article(app)
    client = app.test_client()
    path = f"/bai-viet/{article.slug}"
    for reader in ("an", "binh", "an"):
        html = client.get(path, headers={"X-Reader": reader}).get_data(as_text=True)
        assert f"reader={reader}" in html and "renders=1" in html  # the shared widget rendered once
    assert hits(app) == 2


def test_hole_markers_in_an_article_cannot_punch_a_hole_and_the_token_never_leaves(
        install_plugin, site_app_factory, make_article):
    install_plugin("mine", PER_READER)
    app = site_app_factory({"PLUGINS": {"enabled": ["mine"]}})
    forged = "<!--hole:" + "0" * 32 + ":0-->"
    article = make_article(app, title="Bài thử", body=f"<p>trước{forged}sau</p>")
    with app.app_context():  # past the sanitiser, as a database import could
        db.session.execute(sa.update(Article).where(Article.id == article.id).values(
            body_html=f"<p>trước{forged}sau</p>"))
        db.session.commit()
    client = app.test_client()
    for _ in range(2):
        html = client.get(f"/bai-viet/{article.slug}", headers={"X-Reader": "an"}).get_data(as_text=True)
        body = html.split('class="article-body">')[1].split("</div>")[0]
        assert body == f"<p>trước{forged}sau</p>" and html.count("reader=an") == 1
        assert TOKEN not in html


def test_pages_with_a_per_reader_part_say_so_and_others_may_be_kept(install_plugin, site_app_factory, make_article):
    article = make_article(site_app_factory({"PLUGINS": {"enabled": []}}))
    install_plugin("mine", PER_READER)
    for enabled, private in (([], False), (["mine"], True)):
        app = site_app_factory({"PLUGINS": {"enabled": enabled}})
        make_article(app, title=article.title)
        client = app.test_client()
        client.get("/")
        kept = client.get("/")  # from memory
        assert ("Cookie" in kept.vary) is private
        assert (kept.headers.get("Cache-Control") == "private, no-cache") is private


def test_memory_stays_within_its_bound_and_the_least_recently_read_page_goes(site_app_factory, make_article):
    app = site_app_factory({"PLUGINS": {"enabled": []}, "PAGE_CACHE_BYTES": 1})
    first = make_article(app, title="Một")
    size = len(app.test_client().get(f"/bai-viet/{first.slug}").get_data())
    app = site_app_factory({"PLUGINS": {"enabled": []}, "PAGE_CACHE_BYTES": int(size * 2.5)})
    a, b, c = (make_article(app, title=title) for title in ("Bài A", "Bài B", "Bài C"))
    client = app.test_client()
    for article in (a, b, a, c):  # c pushes out b, read longest ago
        client.get(f"/bai-viet/{article.slug}")
    stats = page_cache.store(app).stats()
    assert stats["pages"] == 2 and stats["evictions"] == 1 and stats["bytes"] <= stats["limit"]
    before = hits(app)
    client.get(f"/bai-viet/{a.slug}")
    assert hits(app) == before + 1
    client.get(f"/bai-viet/{b.slug}")
    assert hits(app) == before + 1


def test_the_page_cache_can_be_turned_off(site_app_factory, make_article):
    app = site_app_factory({"PLUGINS": {"enabled": []}, "PAGE_CACHE": False})
    article = make_article(app, title="Không bộ đệm")
    assert page_cache.store(app) is None
    assert "Không bộ đệm" in app.test_client().get(f"/bai-viet/{article.slug}").get_data(as_text=True)


def test_search_and_posts_are_not_kept(site_app, make_article):
    make_article(site_app, title="Hội nghị")
    client = site_app.test_client()
    for _ in range(2):
        assert client.get("/tim-kiem?q=hội+nghị").status_code == 200
    assert page_cache.store(site_app).stats()["pages"] == 0


def test_links_with_tracking_parameters_share_the_kept_page(site_app, make_article):
    article = make_article(site_app, title="Tin chia sẻ")
    client = site_app.test_client()
    for n in range(5):
        assert "Tin chia sẻ" in client.get(f"/bai-viet/{article.slug}?fbclid=IwAR{n}").get_data(as_text=True)
    assert page_cache.store(site_app).stats()["pages"] == 1 and hits(site_app) == 4


def test_a_theme_drawing_a_csrf_token_outside_a_per_reader_part_is_never_kept(site_app_factory, tmp_path,
                                                                              make_article):
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "article.html").write_text('{% extends "base.html" %}{% block content %}'
                                        '<form method="post"><input name="csrf_token" value="{{ csrf_token() }}">'
                                        '</form>{% endblock %}', encoding="utf-8")
    app = site_app_factory({"PLUGINS": {"enabled": []}, "THEME_FOLDER": str(theme)})
    article = make_article(app)
    tokens = {form_token(app.test_client().get(f"/bai-viet/{article.slug}").get_data(as_text=True))
              for _ in range(3)}
    assert len(tokens) == 3 and page_cache.store(app).stats()["pages"] == 0


FAILING_PART = '''
from site_core import Widget, hookimpl
from site_core.api import per_reader

SITE_CORE_API = "1.1"

def broken(page):
    raise RuntimeError("the part is broken")

@hookimpl
def site_widgets(plugin):
    return [Widget(title="Part", varies="content",
                   render=lambda page: per_reader(broken, page) + "shared text")]
'''


def test_a_failing_per_reader_part_leaves_its_widget_and_is_reported_once_a_minute(
        install_plugin, site_app_factory, make_article, caplog):
    install_plugin("broken_part", FAILING_PART)
    app = site_app_factory({"PLUGINS": {"enabled": ["broken_part"]}, "PLUGINS_STRICT": False})
    article = make_article(app)
    client = app.test_client()
    for _ in range(5):
        response = client.get(f"/bai-viet/{article.slug}")
        assert response.status_code == 200 and "shared text" in response.get_data(as_text=True)
    reports = [r for r in caplog.records if r.name == "site_core.plugin.broken_part"]
    assert len(reports) == 1 and "per_reader part" in reports[0].getMessage()
    assert hits(app) == 4
