"""The site needs nothing from elsewhere, and the article page stays light.

Every request of every page a reader opens goes to the site itself: no CDN,
web fonts, analytics or trackers. (Requests elsewhere are refused by the
``reader`` fixture, so a slip shows up here rather than on the network.)
"""
import pytest

pytestmark = pytest.mark.browser

BUDGET = 60 * 1024  # bytes of HTML + CSS + JS for the article page with its widgets
TEXT_TYPES = {"document", "stylesheet", "script", "fetch", "xhr"}


def reader_pages(live_site, page) -> list[str]:
    """Every kind of page a reader reaches from the home page by following links."""
    page.goto(live_site("/"))
    links = page.evaluate("""() => {
      const first = sel => { const a = document.querySelector(sel); return a ? a.href : null; };
      return [first('.site-nav a[href*="/chuyen-muc/"]'), first('a[rel=next]'),
              first('[data-widget] a[href*="ket-qua"]'), first('[data-widget] a:not([href*="ket-qua"])')];
    }""")
    page.goto(live_site.seed_article)
    tag = page.locator(".tags a").first.evaluate("a => a.href")
    return [live_site("/"), live_site.seed_article, tag, live_site("/khong-co-trang-nay")] + \
        [link for link in links if link]


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_every_request_stays_on_the_site(reader, live_site, device):
    visitor = reader(device)
    page = visitor.page()
    visited = reader_pages(live_site, page)
    for url in visited:
        page.goto(url)
        page.wait_for_load_state("networkidle")
    assert len(visited) >= 6
    assert len(visitor.requests) >= len(visited)
    assert visitor.foreign == [], f"requests outside {live_site.url}: {visitor.foreign}"
    assert visitor.refused == []
    external = page.evaluate("""() => [...document.querySelectorAll('link[href], script[src], img[src], iframe')]
        .map(el => el.href || el.src).filter(u => u && !u.startsWith(location.origin))""")
    assert external == []


def test_the_article_page_with_its_widgets_weighs_under_60_kb(reader, live_site):
    visitor = reader()
    page = visitor.page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(live_site.seed_article)
    page.wait_for_load_state("networkidle")
    loaded = [(r.request.resource_type, r.url, len(r.body())) for r in responses
              if r.request.resource_type in TEXT_TYPES and r.status == 200]
    kinds = {kind for kind, _, _ in loaded}
    assert {"document", "stylesheet"} <= kinds
    if live_site.plugins:
        assert page.locator("aside [data-widget]").count() >= 1, "the page weighed includes widgets"
    total = sum(size for _, _, size in loaded)
    detail = ", ".join(f"{url.removeprefix(live_site.url)} {size} B" for _, url, size in loaded)
    print(f"\narticle page: {total} bytes of HTML+CSS+JS ({detail})")
    assert total < BUDGET, f"{total} bytes: {detail}"
