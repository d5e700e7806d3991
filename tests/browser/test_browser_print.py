"""Printing an article: the article alone on the page, readable on paper."""
import pytest

pytestmark = pytest.mark.browser


def test_a_printed_article_shows_the_article_and_leaves_out_menu_sidebar_and_footer(reader, live_site):
    page = reader().page()
    page.goto(live_site.seed_article)
    for part in (".site-nav", ".sidebar", ".site-footer"):
        assert page.locator(part).is_visible(), f"{part} is on screen"
    page.emulate_media(media="print")
    for part in (".site-nav", ".sidebar", ".site-footer", ".skip-link"):
        assert not page.locator(part).is_visible(), f"{part} is printed"
    article = page.locator("main article")
    assert article.locator("h1").is_visible() and article.locator(".author-name").is_visible()
    assert article.locator("figure img").first.is_visible()
    main = page.locator("main").bounding_box()
    assert main["width"] > 0.9 * page.viewport_size["width"], "the article takes the whole width of the paper"
    assert article.evaluate("a => getComputedStyle(a).color") == "rgb(0, 0, 0)"
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
