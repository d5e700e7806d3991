"""Accessibility: landmarks, headings, labels, alt text, and axe-core finds nothing serious.

axe-core (``node_modules/axe-core``, from ``npm install``) is evaluated in the
page through the DevTools protocol, which the site's CSP does not govern, so
the page under test keeps its real policy.
"""
import pytest

pytestmark = pytest.mark.browser

HEADINGS = """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
  .filter(h => h.checkVisibility())
  .map(h => [Number(h.tagName[1]), h.textContent.trim().slice(0, 60)])"""

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter(el => el.type !== 'hidden')
  .filter(el => {
    if (el.tagName === 'BUTTON' || ['submit', 'button', 'reset'].includes(el.type))
      return !(el.textContent.trim() || el.value || el.getAttribute('aria-label'));
    const labelled = [...el.labels].some(label => label.textContent.trim());
    return !(labelled || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'));
  })
  .map(el => el.outerHTML.slice(0, 120))"""


def pages(live_site, reader):
    """The reader pages to check: home, the seed article, the privacy notice, and the poll's results if installed."""
    found = {"home": live_site("/"), "article": live_site.seed_article, "privacy": live_site("/quyen-rieng-tu")}
    if "survey_poll" in live_site.plugins:
        page = reader().page()
        page.goto(live_site("/"))
        results = page.locator("[data-widget=survey_poll] a", has_text="kết quả")
        if results.count():
            found["results"] = results.first.evaluate("a => a.href")
        page.close()
    return found


@pytest.fixture
def site_pages(live_site, reader):
    return pages(live_site, reader)


def test_every_page_has_the_five_landmarks_and_one_h1(reader, site_pages):
    page = reader().page()
    for name, url in site_pages.items():
        page.goto(url)
        for role in ("banner", "main", "contentinfo"):
            assert page.get_by_role(role).count() == 1, f"{name}: one {role} landmark"
        assert page.get_by_role("navigation", name="Chuyên mục").count() == 1, f"{name}: the menu"
        assert page.get_by_role("heading", level=1).count() == 1, f"{name}: exactly one h1"
        assert page.get_by_role("main").get_by_role("heading", level=1).count() == 1, f"{name}: h1 in main"
        if name != "results":
            assert page.get_by_role("complementary").count() == 1, f"{name}: the sidebar is an aside"


def test_headings_go_down_one_level_at_a_time(reader, site_pages):
    page = reader().page()
    for name, url in site_pages.items():
        page.goto(url)
        headings = page.evaluate(HEADINGS)
        assert headings and headings[0][0] == 1, f"{name}: the first heading is the h1: {headings}"
        for (before, _), (level, text) in zip(headings, headings[1:]):
            assert level <= before + 1, f"{name}: h{before} is followed by h{level} ({text!r})"


def test_every_form_control_has_a_label_and_every_image_alt_text(reader, site_pages):
    page = reader().page()
    for name, url in site_pages.items():
        page.goto(url)
        assert page.evaluate(UNLABELLED) == [], f"{name}: controls without a label"
        missing = page.evaluate("() => [...document.images].filter(i => !i.hasAttribute('alt')).map(i => i.src)")
        assert missing == [], f"{name}: images without alt"
    page.goto(site_pages["article"])
    for image in page.locator("main article figure img").all():
        assert image.get_attribute("alt").strip(), "a picture in the article says what it shows"


def run_axe(page, axe_source: str) -> dict:
    page.evaluate(axe_source)
    return page.evaluate("""() => axe.run(document, {
        resultTypes: ['violations'],
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
    })""")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_axe_finds_no_serious_or_critical_violation(reader, site_pages, axe_source, device):
    page = reader(device).page()
    for name, url in site_pages.items():
        page.goto(url)
        results = run_axe(page, axe_source)
        checked = {rule["id"] for key in ("passes", "violations", "incomplete", "inapplicable")
                   for rule in results[key]}
        assert {"color-contrast", "label", "image-alt", "landmark-one-main"} <= checked
        serious = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
                   for v in results["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], f"{name} on {device}: " + "; ".join(serious)
