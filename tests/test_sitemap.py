"""/sitemap.xml and /robots.txt: what a search engine is told to crawl."""
import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa

from site_core import clock
from site_core.config import ConfigError
from site_core.db import db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
VN = dt.timezone(dt.timedelta(hours=7))


def at(day, hour=9):
    return dt.datetime(2020, 3, day, hour, tzinfo=VN)


def fetch(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, url
    assert response.mimetype == "application/xml"
    return ET.fromstring(response.data)


def urls(client, url="/sitemap.xml", **kwargs) -> dict[str, dt.datetime]:
    """{loc: lastmod} of a urlset."""
    root = fetch(client, url, **kwargs)
    assert root.tag == "{%s}urlset" % NS["sm"]
    return {u.findtext("sm:loc", namespaces=NS): dt.datetime.fromisoformat(u.findtext("sm:lastmod", namespaces=NS))
            for u in root.findall("sm:url", NS)}


@pytest.fixture
def site(site_app, make_article):
    clock.freeze(site_app, at(10))
    make_article(site_app, title="Tin đào tạo", published_at=at(1), category="Đào tạo", tags=["Học viên"])
    make_article(site_app, title="Tin Đảng", published_at=at(3), category="Công tác Đảng", tags=["Học viên"])
    make_article(site_app, title="Bài nháp", status="draft", published_at=at(2), category="Chỉ có nháp",
                 tags=["Nháp"])
    make_article(site_app, title="Bài hẹn giờ", published_at=at(12), category="Hẹn giờ", tags=["Hẹn"])
    return site_app


def test_the_sitemap_lists_every_public_page_with_its_last_change(site):
    client = site.test_client()
    found = urls(client)
    assert set(found) == {"http://localhost/", "http://localhost/bai-viet/tin-dao-tao",
                          "http://localhost/bai-viet/tin-dang", "http://localhost/chuyen-muc/dao-tao",
                          "http://localhost/chuyen-muc/cong-tac-dang", "http://localhost/the/hoc-vien"}
    assert found["http://localhost/bai-viet/tin-dang"] == at(10)  # saved at day 10, dated day 3
    assert found["http://localhost/"] == at(10)
    for loc in found:
        assert client.get(loc).status_code == 200, loc


def test_a_scheduled_article_enters_the_sitemap_when_its_time_comes(site):
    client = site.test_client()
    assert "http://localhost/bai-viet/bai-hen-gio" not in urls(client)
    clock.freeze(site, at(12, 10))
    found = urls(client)
    assert found["http://localhost/bai-viet/bai-hen-gio"] == at(12)  # published after it was saved
    assert "http://localhost/chuyen-muc/hen-gio" in found and "http://localhost/the/hen" in found


def test_the_sitemap_changes_with_the_content_and_is_not_rebuilt_otherwise(site, make_article, tmp_path):
    client = site.test_client()
    urls(client)
    statements = []
    with site.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    urls(client)
    assert not [s for s in statements if "articles" in s]  # served from the cache
    make_article(site, title="Tin mới", published_at=at(10), category="Đào tạo")
    assert "http://localhost/bai-viet/tin-moi" in urls(client)
    draft = tmp_path / "draft.jsonl"
    draft.write_text(json.dumps({"title": "Tin mới", "slug": "tin-moi", "status": "draft"}))
    assert site.test_cli_runner().invoke(args=["import-articles", str(draft)]).exit_code == 0
    assert "http://localhost/bai-viet/tin-moi" not in urls(client)


def test_past_the_limit_the_sitemap_is_an_index_of_parts(site_app_factory, make_article):
    app = site_app_factory({"PLUGINS": {"enabled": []}, "SITEMAP_MAX_URLS": 2})
    for day in range(1, 6):
        make_article(app, title=f"Tin ngày {day}", published_at=at(day), category="Tin")
    client = app.test_client()
    index = fetch(client, "/sitemap.xml")
    assert index.tag == "{%s}sitemapindex" % NS["sm"]
    parts = [(s.findtext("sm:loc", namespaces=NS), dt.datetime.fromisoformat(s.findtext("sm:lastmod", namespaces=NS)))
             for s in index.findall("sm:sitemap", NS)]
    assert [loc for loc, _ in parts] == [f"http://localhost/sitemap-{n}.xml" for n in (1, 2, 3, 4)]
    listed = {}
    for loc, lastmod in parts:
        part = urls(client, loc.removeprefix("http://localhost"))
        assert 1 <= len(part) <= 2 and lastmod == max(part.values())
        listed.update(part)
    assert len(listed) == 1 + 5 + 1  # home, the articles, the category
    for url in ("/sitemap-0.xml", "/sitemap-5.xml", "/sitemap-x.xml", "/sitemap--1.xml"):
        assert client.get(url).status_code == 404, url


def test_a_small_site_has_no_parts(site):
    assert site.test_client().get("/sitemap-1.xml").status_code == 404


def test_each_host_gets_its_own_addresses(site):
    client = site.test_client()
    assert all(loc.startswith("https://truong.example/") for loc in
               urls(client, base_url="https://truong.example"))
    assert all(loc.startswith("http://localhost/") for loc in urls(client))


def test_robots_txt_names_the_sitemap(site):
    response = site.test_client().get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert "Sitemap: http://localhost/sitemap.xml" in lines and "User-agent: *" in lines


@pytest.mark.parametrize("value", [0, 50_001, "100", True])
def test_a_wrong_sitemap_limit_stops_startup(site_app_factory, value):
    with pytest.raises(ConfigError, match="SITEMAP_MAX_URLS"):
        site_app_factory({"SITEMAP_MAX_URLS": value}, create_tables=False)


def test_static_pages_are_in_the_sitemap_but_not_drafts_of_them(site, tmp_path):
    lines = [{"kind": "page", "title": "Giới thiệu", "slug": "gioi-thieu", "published_at": at(2).isoformat()},
             {"kind": "page", "title": "Liên hệ", "status": "draft", "published_at": at(2).isoformat()}]
    path = tmp_path / "pages.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    result = site.test_cli_runner().invoke(args=["import-articles", str(path)])
    assert result.exit_code == 0, result.output
    found = urls(site.test_client())
    assert found["http://localhost/trang/gioi-thieu"] == at(10)  # imported (saved) on day 10
    assert not [loc for loc in found if "lien-he" in loc]


def test_a_scheduled_static_page_enters_the_sitemap_when_its_time_comes(site, tmp_path):
    (tmp_path / "p.jsonl").write_text(json.dumps(
        {"kind": "page", "title": "Lịch thi", "published_at": at(11).isoformat()}) + "\n", encoding="utf-8")
    site.test_cli_runner().invoke(args=["import-articles", str(tmp_path / "p.jsonl")])
    client = site.test_client()
    assert "http://localhost/trang/lich-thi" not in urls(client)
    clock.freeze(site, at(11, 10))
    assert "http://localhost/trang/lich-thi" in urls(client)
