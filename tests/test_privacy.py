"""The privacy notice: every cookie the site sets is named on it, with its real lifetime."""
import re
from http.cookies import SimpleCookie
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from site_core.privacy import lifetime
from site_core.testing import form_token

EVERY_PLUGIN = ["visit_counter", "survey_poll", "related_news", "lien_ket_website"]
NOTICE = "/quyen-rieng-tu"


class Notice(HTMLParser):
    """The notice's cookie table: {name: [cells]}, and its section headings."""

    def __init__(self, html):
        super().__init__()
        self.cookies, self.headings, self._row, self._cell, self._in = {}, [], None, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-cookie" in attrs:
            self._row = self.cookies.setdefault(attrs["data-cookie"], [])
        elif tag == "td" and self._row is not None:
            self._cell = []
        self._in = tag

    def handle_endtag(self, tag):
        self._in = None
        if tag == "td" and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._in == "h3":
            self.headings.append(data.strip())


class Links(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.found = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("a", "link") and attrs.get("href"):
            self.found.append(attrs["href"])


class Jar:
    """Every cookie the site set during a walk: {name: Max-Age or None}."""

    def __init__(self):
        self.set = {}

    def record(self, response):
        for header in response.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                self.set[name] = int(morsel["max-age"]) if morsel["max-age"] else None
        return response


def walk(client, jar: Jar, limit: int = 80) -> set[str]:
    """Follow every link on the site from the home page, as a new reader would."""
    seen, queue = set(), ["/"]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = jar.record(client.get(url))
        if response.mimetype == "text/html":
            for href in Links(response.get_data(as_text=True)).found:
                target = urljoin(url, href)
                parts = urlsplit(target)
                if parts.scheme in ("", "http", "https") and parts.netloc in ("", "localhost"):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def vote(client, jar: Jar) -> None:
    home = client.get("/").get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"', home).group(1)
    choice = re.search(r'name="option" value="(\d+)"', home).group(1)
    referer = f"{client.environ_base.get('wsgi.url_scheme', 'http')}://localhost/"  # as a browser sends it
    answer = jar.record(client.post(action, data={"csrf_token": form_token(home), "option": choice},
                                    headers={"Referer": referer}))
    assert answer.status_code in (200, 303), answer.status_code


def assert_every_cookie_is_on_the_notice(client, jar: Jar) -> Notice:
    notice = Notice(jar.record(client.get(NOTICE)).get_data(as_text=True))
    for name, max_age in jar.set.items():
        assert name in notice.cookies, f"cookie {name} is set but not on the privacy notice"
        assert notice.cookies[name][-1] == lifetime(max_age), name
    return notice


@pytest.fixture
def demo_site(site_app_factory):
    def make(**config):
        app = site_app_factory({"PLUGINS": {"enabled": EVERY_PLUGIN, **config.pop("PLUGINS", {})}, **config})
        assert app.test_cli_runner().invoke(args=["load-demo"]).exit_code == 0
        return app

    return make


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_every_cookie_a_reader_gets_is_named_on_the_notice(demo_site, https):
    app = demo_site(SITE_HTTPS=https)
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https" if https else "http"
    jar = Jar()
    pages = walk(client, jar)
    assert {"/", NOTICE, "/tin-moi.atom"} <= pages and any(p.startswith("/bai-viet/") for p in pages)
    vote(client, jar)
    prefix = "__Host-" if https else ""
    assert {f"{prefix}visit_counter", f"{prefix}survey_poll_voter", f"{prefix}site_reader"} <= set(jar.set)
    assert f"{prefix}session" not in jar.set  # a reader needs no session
    notice = assert_every_cookie_is_on_the_notice(client, jar)
    assert notice.cookies[f"{prefix}visit_counter"][-1] == "30 phút"
    assert notice.cookies[f"{prefix}survey_poll_voter"][-1] == "365 ngày"
    assert notice.cookies[f"{prefix}site_reader"][-1] == "đến khi đóng trình duyệt"


def test_the_beacon_counter_sets_the_same_declared_cookie(demo_site):
    app = demo_site(PLUGINS={"visit_counter": {"mode": "beacon", "visit_window_minutes": 45}})
    client, jar = app.test_client(), Jar()
    walk(client, jar, limit=10)
    hit = jar.record(client.post("/visit_counter/hit", headers={"Sec-Fetch-Site": "same-origin"}))
    assert hit.status_code == 204 and "visit_counter" in jar.set
    assert assert_every_cookie_is_on_the_notice(client, jar).cookies["visit_counter"][-1] == "45 phút"


def test_without_the_counter_cookie_the_notice_does_not_claim_one(demo_site):
    app = demo_site(PLUGINS={"visit_counter": {"cookie": False}})
    client, jar = app.test_client(), Jar()
    walk(client, jar, limit=10)
    assert "visit_counter" not in jar.set
    assert "visit_counter" not in assert_every_cookie_is_on_the_notice(client, jar).cookies


def test_the_notice_is_linked_from_every_page_footer_and_speaks_vietnamese(demo_site):
    client = demo_site().test_client()
    for url in ("/", "/khong-ton-tai", NOTICE):
        footer = client.get(url).get_data(as_text=True).split('<footer class="site-footer">')[1]
        assert f'<a href="{NOTICE}">Quyền riêng tư</a>' in footer, url
    html = client.get(NOTICE).get_data(as_text=True)
    assert "Nghị định số 13/2023/NĐ-CP" in html and "Quyền của bạn" in html
    notice = Notice(html)
    assert notice.headings == ["Trường Chính trị tỉnh Thanh Hóa", "Thống kê truy cập", "Khảo sát ý kiến",
                               "Tin liên quan", "Liên kết website"]


HOP_THU = '''
from site_core import Cookie, PrivacyNotice, Widget, hookimpl

@hookimpl
def site_widgets():
    return [Widget(title="Hộp thư góp ý", render=lambda page: "Gửi góp ý")]

@hookimpl
def site_page_view(response):
    response.set_cookie("hop_thu_da_xem", "1", max_age=7 * 86400)

@hookimpl
def site_privacy_notice():
    return PrivacyNotice(summary="Ghi nhớ bạn đã xem hộp thư.",
                         cookies=[Cookie("hop_thu_da_xem", "Không hiện lại lời mời góp ý.", max_age=7 * 86400)])
'''
SILENT = '''
from site_core import Widget, hookimpl

@hookimpl
def site_widgets():
    return [Widget(title="Lịch công tác", render=lambda page: "Thứ Hai")]
'''
BROKEN = '''
from site_core import Widget, hookimpl

@hookimpl
def site_widgets():
    return [Widget(title="Thời tiết", render=lambda page: "Nắng")]

@hookimpl
def site_privacy_notice():
    raise RuntimeError("weather service down")
'''


def test_a_third_party_widgets_cookie_is_on_the_notice_and_silence_is_shown(install_plugin, site_app_factory, caplog):
    install_plugin("hop_thu", HOP_THU)
    install_plugin("lich", SILENT)
    install_plugin("thoi_tiet", BROKEN)
    app = site_app_factory({"PLUGINS": {"enabled": ["hop_thu", "lich", "thoi_tiet"]}})
    client, jar = app.test_client(), Jar()
    walk(client, jar, limit=5)
    assert "hop_thu_da_xem" in jar.set
    response = client.get(NOTICE)
    assert response.status_code == 200
    notice = assert_every_cookie_is_on_the_notice(client, jar)
    assert notice.cookies["hop_thu_da_xem"][:2] == ["hop_thu_da_xem", "Hộp thư góp ý"]
    html = response.get_data(as_text=True)
    for title in ("Lịch công tác", "Thời tiết"):
        section = html.split(f"<h3>{title}</h3>")[1].split("</section>")[0]
        assert "chưa khai báo" in section, title
    assert any("thoi_tiet failed in site_privacy_notice" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("seconds, text", [(None, "đến khi đóng trình duyệt"), (1800, "30 phút"),
                                            (7200, "2 giờ"), (365 * 86400, "365 ngày"), (90, "90 giây")])
def test_lifetimes_read_as_a_reader_says_them(seconds, text):
    assert lifetime(seconds) == text
