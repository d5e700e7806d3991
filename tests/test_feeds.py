"""Atom feeds: what a feed reader subscribed to the site, or to one category, receives."""
import datetime as dt
import json
import re

import feedparser
import pytest

from site_core import clock

VN = dt.timezone(dt.timedelta(hours=7))


def at(day, hour=9):
    return dt.datetime(2020, 3, day, hour, tzinfo=VN)


def read_feed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


@pytest.fixture
def site(site_app, make_article):
    clock.freeze(site_app, at(10))
    make_article(site_app, title="Khai giảng lớp cao cấp", summary="Sáng 1/3, nhà trường khai giảng.",
                 author="Phòng Đào tạo", published_at=at(1), category="Đào tạo")
    make_article(site_app, title="Đại hội chi bộ Khoa Lý luận", published_at=at(3), category="Công tác Đảng")
    make_article(site_app, title="Bài nháp", status="draft", published_at=at(2), category="Đào tạo")
    make_article(site_app, title="Bài hẹn giờ", published_at=at(12), category="Đào tạo")
    return site_app


def test_the_site_feed_lists_public_articles_newest_first_with_absolute_links(site):
    client = site.test_client()
    feed = read_feed(client, "/tin-moi.atom")
    assert [e.title for e in feed.entries] == ["Đại hội chi bộ Khoa Lý luận", "Khai giảng lớp cao cấp"]
    first, second = feed.entries
    assert second.summary == "Sáng 1/3, nhà trường khai giảng." and second.author == "Phòng Đào tạo"
    assert second.published_parsed[:5] == (2020, 3, 1, 2, 0)  # 09:00 at UTC+7
    assert second.tags[0].label == "Đào tạo"
    for entry in feed.entries:
        assert entry.link.startswith("http://localhost/bai-viet/")
        assert client.get(entry.link).status_code == 200
    assert feed.feed.link == "http://localhost/"
    assert any(link.rel == "self" and link.href == "http://localhost/tin-moi.atom" for link in feed.feed.links)
    assert feed.feed.updated_parsed is not None


def test_a_category_feed_holds_only_that_category(site):
    client = site.test_client()
    feed = read_feed(client, "/chuyen-muc/dao-tao/tin-moi.atom")
    assert [e.title for e in feed.entries] == ["Khai giảng lớp cao cấp"]
    assert feed.feed.title == "Đào tạo – Trường Chính trị tỉnh Thanh Hóa"
    assert feed.feed.link == "http://localhost/chuyen-muc/dao-tao"
    for url in ("/chuyen-muc/khong-co/tin-moi.atom", "/chuyen-muc/%3Cscript%3E/tin-moi.atom",
                "/chuyen-muc/dao-tao/tin-moi.atom/x"):
        assert client.get(url).status_code == 404, url


def test_pages_announce_the_site_feed_and_a_category_page_its_own(site):
    client = site.test_client()
    announced = re.compile(r'<link rel="alternate" type="application/atom\+xml" title="([^"]+)" href="([^"]+)">')
    home = announced.findall(client.get("/").get_data(as_text=True))
    assert [href for _, href in home] == ["/tin-moi.atom"]
    category = announced.findall(client.get("/chuyen-muc/dao-tao").get_data(as_text=True))
    assert [href for _, href in category] == ["/tin-moi.atom", "/chuyen-muc/dao-tao/tin-moi.atom"]
    for _, href in home + category:
        read_feed(client, href)


def test_rss_and_feed_lead_to_the_feed(site):
    client = site.test_client()
    for url in ("/rss", "/feed"):
        response = client.get(url)
        assert response.status_code == 301 and response.location == "/tin-moi.atom"
    assert len(read_feed(client, client.get("/rss", follow_redirects=True).request.path).entries) == 2


def test_the_feed_follows_publishing_unpublishing_and_a_scheduled_articles_time(site, make_article, tmp_path):
    client = site.test_client()
    assert "Bài hẹn giờ" not in [e.title for e in read_feed(client, "/tin-moi.atom").entries]
    clock.freeze(site, at(12, 10))
    assert read_feed(client, "/tin-moi.atom").entries[0].title == "Bài hẹn giờ"
    make_article(site, title="Thông báo mới", published_at=at(12, 10))
    assert read_feed(client, "/tin-moi.atom").entries[0].title == "Thông báo mới"
    draft = tmp_path / "draft.jsonl"
    draft.write_text(json.dumps({"title": "Thông báo mới", "slug": "thong-bao-moi", "status": "draft"}))
    assert site.test_cli_runner().invoke(args=["import-articles", str(draft)]).exit_code == 0
    assert "Thông báo mới" not in [e.title for e in read_feed(client, "/tin-moi.atom").entries]


def test_feed_size_is_the_newest_n(site_app_factory, make_article):
    app = site_app_factory({"PLUGINS": {"enabled": []}, "FEED_SIZE": 3})
    for day in range(1, 6):
        make_article(app, title=f"Tin ngày {day}", published_at=at(day))
    feed = read_feed(app.test_client(), "/tin-moi.atom")
    assert [e.title for e in feed.entries] == ["Tin ngày 5", "Tin ngày 4", "Tin ngày 3"]


def test_markup_quotes_and_stray_control_characters_in_titles_keep_the_feed_valid(site_app, make_article):
    title = 'Tin <b>đậm</b> & "trích" \x0bxuống dòng\x1f'
    make_article(site_app, title=title, summary="a < b && c > d", author="<i>Tác giả</i>", category="A & B")
    entry = read_feed(site_app.test_client(), "/tin-moi.atom").entries[0]
    assert entry.title == 'Tin <b>đậm</b> & "trích" xuống dòng'
    assert entry.summary == "a < b && c > d" and entry.author == "<i>Tác giả</i>"


def test_an_unchanged_feed_answers_304_to_a_revalidation(site):
    client = site.test_client()
    first = client.get("/tin-moi.atom")
    assert first.headers["Cache-Control"] == "no-cache" and first.headers["ETag"]
    again = client.get("/tin-moi.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_an_empty_site_has_a_valid_empty_feed(site_client):
    assert read_feed(site_client, "/tin-moi.atom").entries == []
