"""What is not counted in the public figures: bots, HEAD, prefetch, static, errors, our own routes."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.mark.parametrize("ua", [
    GOOGLEBOT,
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; coccocbot-web/1.0; +http://help.coccoc.com/searchengine)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "",
])
def test_bots_are_kept_out_of_the_visits_and_counted_in_their_own_column(site_app, visit, stats, ua):
    for ip in ("192.0.2.1", "192.0.2.2"):
        assert visit(site_app.test_client(), ip=ip, ua=ua).status_code == 200
    today = stats(site_app)["today"]
    assert (today["visits"], today["page_views"], today["bot_views"]) == (0, 0, 2)


def test_a_bot_gets_no_cookie_and_people_still_count_beside_it(site_app, visit, stats):
    response = visit(site_app.test_client(), ua=GOOGLEBOT)
    assert not [c for c in response.headers.getlist("Set-Cookie") if "visit_counter" in c]
    visit(site_app.test_client())
    today = stats(site_app)["today"]
    assert (today["visits"], today["bot_views"]) == (1, 1)


def test_the_bot_column_is_shown_to_the_admin(site_app, visit):
    visit(site_app.test_client(), ua=GOOGLEBOT)
    output = site_app.test_cli_runner().invoke(args=["counter", "stats"]).output
    header, today = output.splitlines()[1:3]
    assert "Bot" in header and today.split()[-1] == "1" and today.split()[2] == "0"


@pytest.mark.parametrize("headers", [
    {"Sec-Purpose": "prefetch"},
    {"Sec-Purpose": "prefetch;prerender"},
    {"Purpose": "prefetch"},
])
def test_prefetch_and_prerender_are_not_counted(site_app, visit, stats, headers):
    assert visit(site_app.test_client(), **headers).status_code == 200
    assert stats(site_app)["today"] == {"visits": 0, "page_views": 0, "bot_views": 0}


def test_head_requests_error_pages_static_files_and_our_own_routes_are_not_counted(site_app, visit, stats):
    client = site_app.test_client()
    assert visit(client, method="HEAD").status_code == 200
    assert visit(client, path="/bai-viet/khong-co-bai-nay").status_code == 404
    assert visit(client, path="/?page=abc").status_code == 404
    assert visit(client, path="/static/site.css").status_code == 200
    assert visit(client, path="/visit_counter/static/visit_counter.css").status_code == 200
    assert visit(client, path="/visit_counter/hit", method="POST", **{"Sec-Fetch-Site": "same-origin"}).status_code == 404
    assert stats(site_app)["today"] == {"visits": 0, "page_views": 0, "bot_views": 0}
    visit(client)  # and a real page view still counts
    assert stats(site_app)["today"]["page_views"] == 1


def test_every_kind_of_reader_page_counts(site_app, visit, stats, make_article):
    article = make_article(site_app, title="Đại hội chi bộ", category="Tin tức", tags=["Đảng"])
    client = site_app.test_client()
    for path in ("/", f"/bai-viet/{article.slug}", "/chuyen-muc/tin-tuc", "/the/dang"):
        assert visit(client, path=path).status_code == 200, path
    assert stats(site_app)["today"]["page_views"] == 4


class Inspect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts, self.handlers = 0, []

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


@pytest.mark.parametrize("ua", [
    "<script>alert(1)</script>",
    "Mozilla/5.0 " + "A" * 20_000,
    "Mozilla/5.0 '; DROP TABLE visit_counter_days; --",
    "Mozilla/5.0 \u00e9\u00ff\x7f",
])
def test_hostile_headers_are_harmless(site_app, visit, stats, ua):
    response = visit(site_app.test_client(), ua=ua, Referer="javascript:<script>alert(1)</script>" + "x" * 5000,
                     Cookie="visit_counter=<script>; other=\"><img onerror=x>")
    assert response.status_code == 200
    page = Inspect()
    page.feed(response.get_data(as_text=True).split('data-widget="visit_counter"')[1].split("</section>")[0])
    assert (page.scripts, page.handlers) == (0, [])
    today = stats(site_app)["today"]
    assert today["page_views"] + today["bot_views"] == 1  # counted once, one way or the other
