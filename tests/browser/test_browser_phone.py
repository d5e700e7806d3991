"""On a phone and with the keyboard: one column, no sideways scrolling, visible focus.

Screenshots of the home and article pages, desktop and phone, are saved for
people to look at (the folder is printed at the end of the run).
"""
import pytest

pytestmark = pytest.mark.browser

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 1 && !el.closest('table'))
    .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
                + ' right=' + Math.round(el.getBoundingClientRect().right));
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 10)};
}"""

FOCUS_RING = """el => {
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  return {outline, shadow: style.boxShadow !== 'none', visible: el.checkVisibility(),
          name: el.tagName.toLowerCase() + ' ' + (el.textContent || el.value || '').trim().slice(0, 40)};
}"""


def no_sideways_scroll(page):
    measured = page.evaluate(OVERFLOW)
    assert measured["scroll"] <= measured["width"], f"the page scrolls sideways: {measured}"
    assert not measured["wide"], f"elements stick out of the screen: {measured['wide']}"


@pytest.mark.parametrize("path", ["/", "seed"], ids=["home", "article"])
def test_on_a_phone_the_sidebar_follows_the_content_and_nothing_scrolls_sideways(
        reader, live_site, screenshots, path):
    page = reader("phone").page()
    page.goto(live_site.seed_article if path == "seed" else live_site(path))
    name = "home" if path == "/" else "article"
    page.screenshot(path=screenshots / f"{name}-phone.png", full_page=True)  # before any assertion
    assert page.evaluate("window.innerWidth") == 375
    no_sideways_scroll(page)
    main = page.get_by_role("main").bounding_box()
    aside = page.get_by_role("complementary")
    if live_site.plugins:
        assert aside.locator(".widget").count() >= 1
        below = aside.bounding_box()
        assert below["y"] >= main["y"] + main["height"], "the sidebar sits below the article"
        assert below["width"] >= 300, "widgets use the phone's width"
    assert main["x"] >= 0 and main["x"] + main["width"] <= 375


@pytest.mark.parametrize("path", ["/", "seed"], ids=["home", "article"])
def test_on_a_desktop_the_sidebar_stands_beside_the_content(reader, live_site, screenshots, path):
    page = reader().page()
    page.goto(live_site.seed_article if path == "seed" else live_site(path))
    name = "home" if path == "/" else "article"
    page.screenshot(path=screenshots / f"{name}-desktop.png", full_page=True)
    no_sideways_scroll(page)
    main = page.get_by_role("main").bounding_box()
    aside = page.get_by_role("complementary")
    if live_site.plugins:
        assert aside.locator(".widget").count() >= 1
        beside = aside.bounding_box()
        assert beside["x"] >= main["x"] + main["width"], "the sidebar is to the right of the article"
        assert beside["y"] < main["y"] + 50, "the sidebar starts at the top, beside the article"


def test_first_tab_reveals_the_skip_link_which_jumps_to_the_content(reader, live_site):
    page = reader("phone").page()
    page.goto(live_site.seed_article)
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Bỏ qua, đến nội dung chính"
    box = skip.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= 375, "the skip link is on screen"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#content"
    assert page.get_by_role("main").bounding_box()["y"] <= 1, "the content is scrolled to the top"


def test_every_keyboard_stop_shows_where_the_focus_is(reader, live_site):
    page = reader().page()
    page.goto(live_site.seed_article)
    stops = page.evaluate("""() => [...document.querySelectorAll(
        'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])'
      )].filter(el => el.checkVisibility() || el.classList.contains('skip-link')).length""")
    assert stops >= 10
    seen = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        if focused.count() == 0:  # focus left the page
            break
        ring = focused.evaluate(FOCUS_RING)
        assert ring["visible"], f"focus went to something hidden: {ring['name']}"
        assert ring["outline"] or ring["shadow"], f"no visible focus on {ring['name']}"
        seen.append(ring["name"])
    assert len(seen) >= 10, seen


def test_every_kind_of_reader_page_fits_a_phone_screen(reader, live_site):
    page = reader("phone").page()
    page.goto(live_site.seed_article)
    urls = page.evaluate("""() => {
      const first = sel => { const a = document.querySelector(sel); return a ? a.href : null; };
      return [location.href, first('.site-nav a[href*="/chuyen-muc/"]'), first('.tags a'),
              first('[data-widget] a[href*="ket-qua"]'), first('[data-widget=related_news] a')
             ].filter(Boolean);
    }""")
    urls += [live_site("/?page=2"), live_site("/khong-co-trang-nay")]
    if "survey_poll" in live_site.plugins:
        urls.append(live_site("/survey_poll/"))
    for url in urls:
        page.goto(url)
        no_sideways_scroll(page)
    assert len(urls) >= 5
