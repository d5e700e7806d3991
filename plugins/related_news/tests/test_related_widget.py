"""What the reader sees: the "Tin liên quan" box, and what a page view costs."""
import datetime as dt
import re

import pytest
import sqlalchemy as sa

from site_core import clock

UTC = dt.timezone.utc


def test_the_widget_lists_links_titles_and_local_dates(site_app, publish, render_widget):
    clock.freeze(site_app, dt.datetime(2020, 3, 5, tzinfo=UTC))
    reading = publish("đại hội", published_at=dt.datetime(2020, 3, 1, 9, 0, tzinfo=UTC))
    # 20:00 UTC on 1 March is already 2 March in Việt Nam (UTC+7)
    other = publish("đại hội", title="Đại hội Chi bộ Khoa Dân vận",
                    published_at=dt.datetime(2020, 3, 1, 20, 0, tzinfo=UTC))
    html = render_widget("related_news", article=reading)
    assert re.match(r'<section class="widget" data-widget="related_news"[^>]*>'
                    r'<h2 class="widget-title"[^>]*>Tin liên quan</h2>', html)
    assert (f'<li data-article-id="{other.id}" data-kind="related"><a href="/bai-viet/{other.slug}">'
            'Đại hội Chi bộ Khoa Dân vận</a>') in html
    assert "(02/03/2020)" in html
    assert 'datetime="2020-03-02T03:00:00+07:00"' in html


def test_titles_are_escaped(site_app, publish, render_widget):
    reading = publish("bóng chuyền")
    publish("bóng chuyền", title='Bóng chuyền <script>alert("x")</script>')
    html = render_widget("related_news", article=reading)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_listing_pages_show_no_related_box_and_article_pages_do(site_app, site_client, publish):
    one = publish("tiêm chủng", category="Y tế")
    publish("tiêm chủng", category="Y tế")
    assert 'data-widget="related_news"' not in site_client.get("/").get_data(as_text=True)
    assert 'data-widget="related_news"' not in site_client.get("/chuyen-muc/y-te").get_data(as_text=True)
    page = site_client.get(f"/bai-viet/{one.slug}").get_data(as_text=True)
    assert 'data-widget="related_news"' in page
    assert "/related_news/static/related_news.css" in page


def test_an_article_with_no_list_yet_shows_no_box(site_app, publish, render_widget):
    alone = publish("bóng chuyền")
    assert render_widget("related_news", article=alone) == ""


def test_a_page_view_costs_one_query_on_the_index(site_app, publish, render_widget):
    from site_core.db import db

    articles = [publish("đại hội") for _ in range(4)]
    statements = []
    with site_app.app_context():
        engine = db.engine

        def record(conn, cursor, statement, *args):
            if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            html = render_widget("related_news", article=articles[0])
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
    assert html.count("data-article-id=") == 3
    assert len(statements) == 1
    assert "related_news_neighbours" in statements[0] and "articles" in statements[0]


def test_the_page_view_query_uses_indexes_not_scans(site_app, publish):
    from site_core.db import db
    from site_related_news.widget import related_query

    article = publish("đại hội")
    with site_app.test_request_context("/"):
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the PostgreSQL plan has its own test")
        query = related_query(5, 10).params(article_id=article.id, now=clock.now())
        sql = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = " | ".join(row[-1] for row in db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "SEARCH related_news_neighbours USING INDEX" in plan and "(article_id=?)" in plan
    assert "SEARCH articles USING INTEGER PRIMARY KEY" in plan
    assert "SCAN articles" not in plan and "SCAN related_news_neighbours" not in plan


def test_on_postgresql_the_page_view_starts_from_the_list_even_with_stale_statistics(site_app, publish):
    """Right after a bulk import the planner believes ``articles`` is tiny; the query must
    still read the article's list first, then a handful of articles by primary key."""
    from site_core.articles import Article
    from site_core.db import db
    from site_related_news.widget import related_query

    with site_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only")
    article = publish("đại hội")
    with site_app.app_context(), db.engine.begin() as connection:
        when = clock.now()
        connection.execute(Article.__table__.insert(), [
            {"slug": f"bai-{n}", "title": f"Bài {n}", "summary": "", "body_html": "", "author": "",
             "author_title": "", "status": "published", "published_at": when, "updated_at": when}
            for n in range(3000)])  # no ANALYZE: the statistics still say "almost empty"
    with site_app.test_request_context("/"):
        query = related_query(5, 10, "postgresql").params(article_id=article.id, now=clock.now())
        sql = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = "\n".join(row[0] for row in db.session.execute(sa.text(f"EXPLAIN {sql}")))
    assert "Index Cond: (article_id = " in plan  # the article's list, by its key...
    assert "Index Scan using articles_pkey on articles" in plan  # ...then its articles, by theirs
    assert "ix_articles_listing" not in plan and "Seq Scan" not in plan


def test_a_cached_box_is_refreshed_when_its_list_changes(site_app_factory, publish, edit):
    app = site_app_factory({"PLUGINS": {"enabled": ["related_news"], "related_news": {"cache_seconds": 600}}})
    client = app.test_client()
    one = publish("đại hội", app=app)
    two = publish("đại hội", app=app)
    assert f'data-article-id="{two.id}"' in client.get(f"/bai-viet/{one.slug}").get_data(as_text=True)
    three = publish("đại hội", app=app)
    assert f'data-article-id="{three.id}"' in client.get(f"/bai-viet/{one.slug}").get_data(as_text=True)
    edit(two, app=app, title="Đại hội chi bộ: tên mới")
    assert "Đại hội chi bộ: tên mới" in client.get(f"/bai-viet/{one.slug}").get_data(as_text=True)


def test_the_heading_and_count_are_settings(site_app_factory, publish, render_widget):
    app = site_app_factory({"PLUGINS": {"enabled": ["related_news"], "related_news": {
        "cache_seconds": 0, "title": "Bài viết cùng chủ đề", "count": 2}}})
    articles = [publish("đại hội", app=app) for _ in range(4)]
    html = render_widget("related_news", article=articles[0], app=app)
    assert ">Bài viết cùng chủ đề</h2>" in html
    assert html.count("data-article-id=") == 2


def test_latest_articles_filling_a_list_sit_under_their_own_heading(site_app, publish, render_widget):
    reading, twin = publish("đại hội"), publish("đại hội")
    unrelated = publish("tiêm chủng")
    html = render_widget("related_news", article=reading)
    related, heading, latest = html.partition('<h3 class="related-news-latest">Tin mới</h3>')
    assert heading, "the latest articles have a sub-heading readers see"
    assert f'data-article-id="{twin.id}" data-kind="related"' in related
    assert f'data-article-id="{unrelated.id}" data-kind="latest"' in latest
    alone = render_widget("related_news", article=unrelated)  # nothing related: only the latest
    assert alone.index("Tin mới") < alone.index(f'data-article-id="{twin.id}"')
    assert 'data-kind="related"' not in alone


def test_a_list_of_related_articles_only_has_no_latest_heading(site_app_factory, publish, render_widget):
    app = site_app_factory({"PLUGINS": {"enabled": ["related_news"], "related_news": {
        "cache_seconds": 0, "fill_with_latest": False, "latest_title": "Mới đăng"}}})
    reading, twin = publish("đại hội", app=app), publish("đại hội", app=app)
    unrelated = publish("tiêm chủng", app=app)
    assert "Mới đăng" not in render_widget("related_news", article=reading, app=app)
    assert "Mới đăng" in render_widget("related_news", article=unrelated, app=app)  # the setting names it
