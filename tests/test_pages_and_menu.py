"""Static pages, the configured menu and breadcrumbs, as a reader and an admin meet them.

A page ("Giới thiệu", "Liên hệ") is imported like an article with
``"kind": "page"`` and lives at ``/trang/<slug>``; it never shows up where
articles are listed, nor to plugins that read articles. The menu comes from
``MENU`` (validated at start-up) or, by default, lists the home page, the
categories and the pages; the current item is marked for screen readers.
"""
import datetime as dt
import json
import re

import pytest
import sqlalchemy as sa

from site_core import clock, create_app
from site_core.articles import Article
from site_core.config import ConfigError
from site_core.db import db

ABOUT = {"kind": "page", "title": "Giới thiệu", "slug": "gioi-thieu",
         "body": "<p>Trường được thành lập năm 1949.</p><script>alert(1)</script>"}
CONTACT = {"kind": "page", "title": "Liên hệ", "body": "<p>Số 1 đường Hạc Thành</p>"}
NEWS = {"title": "Khai giảng lớp trung cấp", "body": "<p>Lễ khai giảng.</p>", "category": "Tin tức",
        "tags": ["Đào tạo"]}


def import_records(app, tmp_path, *records):
    path = tmp_path / "content.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return app.test_cli_runner().invoke(args=["import-articles", str(path)])


def menu(html: str) -> list[tuple[str, str, bool]]:
    """(label, href, marked current) of each menu link."""
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group()
    return [(label, href, bool(current)) for href, current, label in
            re.findall(r'<a href="([^"]*)"( aria-current="page")?>([^<]*)</a>', nav)]


def breadcrumbs(html: str) -> list[str]:
    nav = re.search(r'<nav class="breadcrumbs" aria-label="Đường dẫn">.*?</nav>', html, re.S).group()
    return [t.strip() for t in re.findall(r">([^<>]+)</(?:a|span)>", nav)]


def test_a_page_is_imported_like_an_article_and_served_at_its_own_url(site_app, tmp_path):
    result = import_records(site_app, tmp_path, ABOUT, CONTACT, NEWS)
    assert "created: 3, updated: 0, failed: 0" in result.output, result.output
    client = site_app.test_client()
    about = client.get("/trang/gioi-thieu")
    html = about.get_data(as_text=True)
    assert about.status_code == 200 and "Trường được thành lập năm 1949." in html
    assert "<script>alert(1)" not in html  # sanitised like an article
    assert breadcrumbs(html) == ["Trang chủ", "Giới thiệu"]
    assert client.get("/trang/lien-he").status_code == 200
    assert client.get("/bai-viet/gioi-thieu").status_code == 404
    again = import_records(site_app, tmp_path, {**ABOUT, "body": "<p>Sửa lại.</p>"})
    assert "created: 0, updated: 1, failed: 0" in again.output
    assert "Sửa lại." in client.get("/trang/gioi-thieu").get_data(as_text=True)


def test_pages_stay_out_of_listings_tag_pages_and_the_articles_plugins_read(site_app, tmp_path):
    import_records(site_app, tmp_path, ABOUT, NEWS)
    client = site_app.test_client()
    for url in ("/", "/chuyen-muc/tin-tuc", "/the/dao-tao"):
        html = client.get(url).get_data(as_text=True)
        assert "Khai giảng lớp trung cấp" in html and 'href="/bai-viet/gioi-thieu"' not in html, url
        assert "Trường được thành lập" not in html
    with site_app.app_context():
        assert db.session.scalars(sa.select(Article.title)).all() == ["Khai giảng lớp trung cấp"]


def test_plugins_hear_of_articles_not_of_pages(site_app_factory, install_plugin, tmp_path):
    install_plugin("listener", """
        from site_core import hookimpl
        HEARD = []

        @hookimpl
        def site_article_changed(article, change):
            HEARD.append(article.title)
    """)
    app = site_app_factory({"PLUGINS": {"enabled": ["listener"]}})
    import_records(app, tmp_path, ABOUT, NEWS)
    from site_core import plugins
    (listener,) = plugins.get(app).enabled
    assert listener.module.HEARD == ["Khai giảng lớp trung cấp"]


@pytest.mark.parametrize("record, reason", [
    ({**ABOUT, "kind": "trang"}, "kind must be one of article, page, got 'trang'"),
    ({**ABOUT, "category": "Tin tức"}, "a page has no category"),
    ({**ABOUT, "tags": ["x"]}, "a page has no tags"),
])
def test_a_bad_page_is_reported_and_the_rest_still_import(site_app, tmp_path, record, reason):
    result = import_records(site_app, tmp_path, record, NEWS)
    assert f"content.jsonl:1: {reason}" in result.output
    assert "created: 1, updated: 0, failed: 1" in result.output


def test_a_draft_page_is_not_public(site_app, tmp_path):
    import_records(site_app, tmp_path, {**ABOUT, "status": "draft"})
    client = site_app.test_client()
    assert client.get("/trang/gioi-thieu").status_code == 404
    assert "/trang/gioi-thieu" not in client.get("/").get_data(as_text=True)


def test_the_default_menu_lists_home_categories_and_pages_and_marks_where_the_reader_is(site_app, tmp_path):
    import_records(site_app, tmp_path, ABOUT, NEWS)
    client = site_app.test_client()
    assert menu(client.get("/").get_data(as_text=True)) == [
        ("Trang chủ", "/", True), ("Tin tức", "/chuyen-muc/tin-tuc", False), ("Giới thiệu", "/trang/gioi-thieu", False)]
    assert [item for item in menu(client.get("/trang/gioi-thieu").get_data(as_text=True)) if item[2]] \
        == [("Giới thiệu", "/trang/gioi-thieu", True)]
    assert [item for item in menu(client.get("/chuyen-muc/tin-tuc").get_data(as_text=True)) if item[2]] \
        == [("Tin tức", "/chuyen-muc/tin-tuc", True)]


def test_the_configured_menu_keeps_its_order_labels_and_outside_links(site_app_factory, tmp_path):
    app = site_app_factory({"PLUGINS": {"enabled": []}, "MENU": [
        {"page": "gioi-thieu"},
        {"label": "Tin tức – Sự kiện", "category": "tin-tuc"},
        {"label": "Cổng Chính phủ", "url": "https://chinhphu.vn"},
        {"label": "Liên hệ", "page": "lien-he"},  # not imported: left out
        {"label": "Trang chủ", "url": "/"},
    ]})
    import_records(app, tmp_path, ABOUT, NEWS)
    html = app.test_client().get("/trang/gioi-thieu").get_data(as_text=True)
    assert menu(html) == [("Giới thiệu", "/trang/gioi-thieu", True), ("Tin tức – Sự kiện", "/chuyen-muc/tin-tuc", False),
                          ("Cổng Chính phủ", "https://chinhphu.vn", False), ("Trang chủ", "/", False)]


@pytest.mark.parametrize("value, message", [
    ("gioi-thieu", "MENU must be a list"),
    (["gioi-thieu"], "MENU item 1 must be a table"),
    ([{"label": "A", "url": "/"}, {"label": "B"}], "MENU item 2 needs exactly one of category, page, url"),
    ([{"label": "B", "page": "a", "url": "/"}], "MENU item 1 needs exactly one of"),
    ([{"label": "B", "link": "/"}], "MENU item 1: unknown key 'link'"),
    ([{"url": "/"}], "MENU item 1: a url needs a label"),
    ([{"label": "", "page": "a"}], "MENU item 1: label must be a non-empty string"),
    ([{"label": "X", "url": "javascript:alert(1)"}], "MENU item 1: url must start with /"),
    ([{"label": "X", "url": "//evil.example"}], "MENU item 1: url must start with /"),
])
def test_a_wrong_menu_stops_start_up_naming_the_item(tmp_path, monkeypatch, value, message):
    monkeypatch.setenv("SITE_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigError, match=re.escape(message)):
        create_app({"TESTING": True, "MENU": value})


def test_the_menu_can_be_written_in_the_config_file(tmp_path, monkeypatch):
    (tmp_path / "config.toml").write_text(
        'MENU = [{label = "Giới thiệu", page = "gioi-thieu"}, {label = "Trang chủ", url = "/"}]\n', encoding="utf-8")
    monkeypatch.setenv("SITE_INSTANCE_PATH", str(tmp_path))
    assert create_app({"TESTING": True}).config["MENU"][0] == {"label": "Giới thiệu", "page": "gioi-thieu"}


def test_breadcrumbs_lead_from_home_through_the_category_to_the_article(site_app, tmp_path):
    import_records(site_app, tmp_path, NEWS)
    client = site_app.test_client()
    article = client.get("/bai-viet/khai-giang-lop-trung-cap").get_data(as_text=True)
    assert breadcrumbs(article) == ["Trang chủ", "Tin tức", "Khai giảng lớp trung cấp"]
    assert 'href="/chuyen-muc/tin-tuc">Tin tức</a>' in article
    assert breadcrumbs(client.get("/chuyen-muc/tin-tuc").get_data(as_text=True)) == ["Trang chủ", "Tin tức"]


def test_the_demo_shows_its_about_page_in_the_menu(site_app):
    assert site_app.test_cli_runner().invoke(args=["load-demo"]).exit_code == 0
    client = site_app.test_client()
    home = client.get("/").get_data(as_text=True)
    assert ("Giới thiệu", "/trang/gioi-thieu", False) in menu(home)
    assert "Trường Chính trị tỉnh Thanh Hóa là đơn vị" in client.get("/trang/gioi-thieu").get_data(as_text=True)


SCHEDULED = [{"kind": "page", "title": "Lịch thi", "slug": "lich-thi", "published_at": "2100-01-01T08:00:00+07:00"},
             {"title": "Thông báo tuyển sinh", "category": "Tuyển sinh", "published_at": "2100-01-01T08:00:00+07:00"}]


@pytest.mark.parametrize("configured", [True, False])
def test_scheduled_pages_and_categories_enter_the_menu_when_their_time_comes(site_app_factory, tmp_path, configured):
    config = {"PLUGINS": {"enabled": []}}
    if configured:
        config["MENU"] = [{"page": "lich-thi"}, {"label": "Tuyển sinh", "category": "tuyen-sinh"},
                          {"label": "Trang chủ", "url": "/"}]
    app = site_app_factory(config)
    import_records(app, tmp_path, *SCHEDULED)
    client = app.test_client()
    assert menu(client.get("/").get_data(as_text=True)) == [("Trang chủ", "/", True)]
    clock.freeze(app, dt.datetime(2100, 1, 1, 1, 0, tzinfo=dt.timezone.utc))  # 08:00 in Hà Nội
    now_public = [("Lịch thi", "/trang/lich-thi", False), ("Tuyển sinh", "/chuyen-muc/tuyen-sinh", False)]
    assert menu(client.get("/").get_data(as_text=True)) == (
        [*now_public, ("Trang chủ", "/", True)] if configured else [("Trang chủ", "/", True), *now_public[::-1]])
