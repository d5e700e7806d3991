"""What a reader sees: the seed article, listings, pagination, 404s."""
import datetime as dt
import re
from html.parser import HTMLParser

import pytest

from site_core import clock

VN = dt.timezone(dt.timedelta(hours=7))
SEED_TITLE = ("Trường Chính trị tỉnh Thanh Hóa tổ chức tốt đại hội các chi bộ tiến tới Đại hội Đảng bộ "
              "Nhà trường lần thứ VIII nhiệm kỳ 2020-2025")


class Page(HTMLParser):
    """The parts of a page a reader (or a screen reader) relies on."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.text, self.urls, self._stack = [], [], [], []
        self.lang = self.title = self.description = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        self._stack.append(tag)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "meta" and attrs.get("name") == "description":
            self.description = attrs.get("content")
        self.urls += [attrs[k] for k in ("href", "src") if attrs.get(k)]

    def handle_endtag(self, tag):
        if self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if self._stack and self._stack[-1] == "title":
            self.title = data
        self.text.append(data)


@pytest.fixture
def demo_app(site_app):
    assert site_app.test_cli_runner().invoke(args=["load-demo"]).exit_code == 0
    return site_app


def test_the_seed_article_renders_as_the_portal_showed_it(demo_app):
    client = demo_app.test_client()
    home = client.get("/").get_data(as_text=True)
    card = re.search(r'<li class="article-card">\s*<img class="thumb" src="([^"]+)"[^<]*<div>\s*<h2 class="card-title">'
                     r'<a href="/bai-viet/truong-chinh-tri-tinh-thanh-hoa-to-chuc', home)
    assert card and card.group(1) == "/static/demo/chung.svg"  # the thumbnail is the first figure
    assert "Đăng lúc: 10:21:41 02/03/2020 (GMT+7)" in home
    link = re.search(r'href="(/bai-viet/truong-chinh-tri-tinh-thanh-hoa-to-chuc[^"]*)"', home).group(1)
    html = client.get(link).get_data(as_text=True)
    page = Page(html)
    text = " ".join(page.text)
    assert f'<h1 class="article-title">{SEED_TITLE}</h1>' in html
    assert "Đăng lúc: 10:21:41 02/03/2020 (GMT+7)" in text
    assert '<p class="author-name">TS. Thịnh Văn Khoa</p>' in html
    assert '<p class="author-title">Phó Bí thư Đảng ủy, Phó Hiệu trưởng</p>' in html
    assert "<figcaption>Đại hội Chi bộ Khoa Xây dựng Đảng nhiệm kỳ 2020 -2022</figcaption>" in html
    assert "<figcaption>Đại hội Chi bộ Phòng Tổ chức, hành chính, thông tin, tư liệu</figcaption>" in html
    assert html.count("<figure") == 2
    assert "Kế hoạch số 106-KH/ĐUK ngày 25/11/2019" in text
    assert "nhiệm vụ chính trị của Nhà trường./." in text
    for src in re.findall(r'<img src="([^"]+)"', html):
        assert client.get(src).status_code == 200, src


def test_loading_the_demo_twice_changes_nothing(demo_app):
    first = demo_app.test_client().get("/").get_data(as_text=True)
    result = demo_app.test_cli_runner().invoke(args=["load-demo"])
    assert "created 0" in result.output
    assert demo_app.test_client().get("/").get_data(as_text=True) == first


def test_the_demo_has_enough_articles_for_pagination_and_categories(demo_app):
    client = demo_app.test_client()
    assert client.get("/?page=3").status_code == 200
    home = client.get("/").get_data(as_text=True)
    categories = set(re.findall(r'href="(/chuyen-muc/[^"]+)"', home))
    assert len(categories) >= 4
    for url in categories:
        assert "article-card" in client.get(url).get_data(as_text=True)


def at(day, hour=9):
    return dt.datetime(2020, 3, day, hour, tzinfo=VN)


def test_drafts_and_future_articles_are_neither_listed_nor_reachable(site_app, make_article):
    clock.freeze(site_app, at(10))
    make_article(site_app, title="Bài đã đăng", published_at=at(1), category="Tin", tags=["A"])
    make_article(site_app, title="Bài nháp", status="draft", published_at=at(1), category="Tin", tags=["A"])
    make_article(site_app, title="Bài hẹn giờ", published_at=at(11), category="Tin", tags=["A"])
    client = site_app.test_client()
    for url in ("/", "/chuyen-muc/tin", "/the/a"):
        html = client.get(url).get_data(as_text=True)
        assert "Bài đã đăng" in html and "Bài nháp" not in html and "Bài hẹn giờ" not in html
    assert client.get("/bai-viet/bai-da-dang").status_code == 200
    assert client.get("/bai-viet/bai-nhap").status_code == 404
    assert client.get("/bai-viet/bai-hen-gio").status_code == 404
    clock.freeze(site_app, at(11, 10))
    assert client.get("/bai-viet/bai-hen-gio").status_code == 200


def test_pages_list_newest_first_ties_by_id_descending(site_app, make_article):
    site_app.config["PER_PAGE"] = 2
    for n, day in enumerate([1, 3, 2, 3, 4]):
        make_article(site_app, title=f"Tin {n}", published_at=at(day))
    client = site_app.test_client()

    def titles(url):
        return re.findall(r'class="card-title"><a [^>]*>([^<]+)</a>', client.get(url).get_data(as_text=True))

    assert titles("/") == ["Tin 4", "Tin 3"]       # day 4, then day 3 with the higher id
    assert titles("/?page=2") == ["Tin 1", "Tin 2"]
    assert titles("/?page=3") == ["Tin 0"]
    html = client.get("/?page=2").get_data(as_text=True)
    assert 'href="/?page=1"' in html and 'href="/?page=3"' in html
    for bad in ("4", "0", "-1", "abc", "1.5", "99999999999"):
        assert client.get(f"/?page={bad}").status_code == 404, bad


def test_an_empty_site_answers_its_home_page(site_client):
    response = site_client.get("/")
    assert response.status_code == 200 and "Chưa có bài viết." in response.get_data(as_text=True)


def test_category_and_tag_links_lead_to_their_listings(site_app, make_article):
    make_article(site_app, title="Bài có thẻ", category="Đào tạo - Bồi dưỡng", tags=["Lớp cao cấp", "Khai giảng"])
    client = site_app.test_client()
    html = client.get("/bai-viet/bai-co-the").get_data(as_text=True)
    assert 'href="/chuyen-muc/dao-tao-boi-duong"' in html
    assert 'href="/the/lop-cao-cap"' in html and 'href="/the/khai-giang"' in html
    assert "Bài có thẻ" in client.get("/the/lop-cao-cap").get_data(as_text=True)
    assert client.get("/chuyen-muc/khong-co").status_code == 404
    assert client.get("/the/khong-co").status_code == 404


def test_the_404_page_is_in_the_sites_style(site_client):
    response = site_client.get("/khong-ton-tai")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Không tìm thấy trang" in html and 'lang="vi"' in html and "/static/site.css" in html


def test_every_page_has_language_title_description_one_h1_and_no_outside_requests(site_app, make_article):
    make_article(site_app, title="Tin <b>đậm</b>", summary="Tóm tắt <script>x</script>",
                 author="<i>Tác giả</i>", body='<p>x</p><img src="/static/demo/chung.svg">', category="Tin", tags=["T"])
    client = site_app.test_client()
    for url in ("/", "/bai-viet/tin-b-dam-b", "/chuyen-muc/tin", "/the/t", "/404"):
        html = client.get(url).get_data(as_text=True)
        page = Page(html)
        assert page.lang == "vi" and page.title and page.description, url
        assert page.tags.count("h1") == 1, url
        own = ("http://localhost/", "#")  # the canonical link names the page with its host
        assert all(u.startswith("/") and not u.startswith("//") or u.startswith(own) for u in page.urls), url
        assert "<script>x</script>" not in html and "<b>đậm</b>" not in html and "<i>Tác giả</i>" not in html


def test_times_are_shown_in_the_site_time_zone(site_app_factory, make_article):
    app = site_app_factory({"SITE_TIMEZONE": "Europe/Paris", "PLUGINS": {"enabled": []}})
    make_article(app, title="Giờ Paris", published_at=dt.datetime(2020, 3, 2, 3, 21, 41, tzinfo=dt.timezone.utc))
    html = app.test_client().get("/bai-viet/gio-paris").get_data(as_text=True)
    assert "Đăng lúc: 04:21:41 02/03/2020 (GMT+1)" in html


def test_the_category_menu_follows_new_categories_at_once(site_app, make_article):
    client = site_app.test_client()
    make_article(site_app, title="Tin A", category="Tin hoạt động")
    assert 'href="/chuyen-muc/tin-hoat-dong">Tin hoạt động</a>' in client.get("/").get_data(as_text=True)
    make_article(site_app, title="Tin B", category="Thông báo")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/chuyen-muc/thong-bao">Thông báo</a>' in html
