"""The sidebar in a real browser: visit counter, survey poll, related news.

Each reader is a new browser context with its own User-Agent, so the visit
counter sees a new visitor; voting readers get their own voter cookie.
"""
import re
import time

import pytest

pytestmark = pytest.mark.browser

FIGURES_SECONDS = 5.2  # the counter shares its figures for 5 s (cache_seconds, the default)
THANKS = "Cảm ơn bạn đã bình chọn."
ALREADY = "Bạn đã bình chọn cho cuộc khảo sát này rồi."


def today(page) -> int:
    row = page.locator("[data-widget=visit_counter] [data-period=today]")
    return int(row.get_attribute("data-count"))


def tally(page, results_url: str) -> dict:
    """Votes per option id and the total, read from the results page."""
    page.goto(results_url)
    bars = page.locator(".poll-results [data-option]")
    votes = {bar.get_attribute("data-option"): int(bar.get_attribute("data-votes")) for bar in bars.all()}
    votes["total"] = int(page.locator(".poll-results [data-total]").get_attribute("data-total"))
    return votes


def poll_form(page):
    return page.locator("[data-widget=survey_poll] form[method=post]")


def results_link(page) -> str:
    return page.locator("[data-widget=survey_poll] a", has_text="kết quả").first.evaluate("a => a.href")


def choose(page, index: int) -> str:
    """Tick the ``index``-th answer by its label, as a reader would; returns its option id."""
    choice = poll_form(page).locator("input[name=option]").nth(index)
    page.locator(f"label[for='{choice.get_attribute('id')}']").click()
    assert choice.is_checked()
    return choice.get_attribute("value")


def test_article_sidebar_shows_counter_poll_and_related_news(reader, live_site):
    live_site.require("visit_counter", "survey_poll", "related_news")
    page = reader().page()
    page.goto(live_site.seed_article)
    aside = page.get_by_role("complementary")
    failed = [marker.get_attribute("data-widget-error") for marker in page.locator("[data-widget-error]").all()]
    assert failed == [], "these widgets failed to render (see the log)"
    shown = [section.get_attribute("data-widget") for section in aside.locator("section.widget").all()]
    assert shown == ["visit_counter", "survey_poll", "related_news"]
    headings = aside.get_by_role("heading", level=2).all_inner_texts()
    assert headings[:2] == ["Thống kê truy cập", "Khảo sát ý kiến"]
    labels = aside.locator("[data-widget=visit_counter] th").all_inner_texts()
    assert labels[:5] == ["Hôm nay", "Hôm qua", "Tuần này", "Tháng này", "Tất cả"]
    total = aside.locator("[data-widget=visit_counter] [data-period=total]")
    assert total.locator("td").inner_text() == f"{int(total.get_attribute('data-count')):,}".replace(",", ".")
    assert poll_form(page).locator("input[name=option]").count() >= 2
    assert aside.locator("[data-widget=related_news] a[href*='/bai-viet/']").count() >= 1


def test_a_new_visitor_raises_today_by_one_and_a_reload_does_not(reader, live_site):
    live_site.require("visit_counter")
    first = reader().page()
    first.goto(live_site.seed_article)
    time.sleep(FIGURES_SECONDS)  # the figures shown are at most this old
    first.reload()
    before = today(first)

    newcomer = reader().page()
    newcomer.goto(live_site.seed_article)
    time.sleep(FIGURES_SECONDS)
    newcomer.reload()
    assert today(newcomer) == before + 1
    newcomer.reload()
    assert today(newcomer) == before + 1
    newcomer.goto(live_site("/"))
    assert today(newcomer) == before + 1, "moving to another page is the same visit"
    time.sleep(FIGURES_SECONDS)
    first.reload()
    assert today(first) == before + 1


def test_voting_with_javascript_updates_the_results_in_place(reader, live_site):
    live_site.require("survey_poll")
    page = reader().page()
    page.goto(live_site.seed_article)
    counts = tally(page, results_link(page))
    page.goto(live_site.seed_article)
    page.evaluate("window.notReloaded = true")
    option = choose(page, 0)
    with page.expect_response(re.compile(r"/survey_poll/\d+/vote$")) as answer:
        poll_form(page).get_by_role("button", name="Bình chọn").click()
    assert answer.value.status == 200
    assert answer.value.request.resource_type == "fetch", "the script sent the vote"
    widget = page.locator("[data-widget=survey_poll]")
    widget.get_by_text(THANKS).wait_for()
    assert page.evaluate("window.notReloaded") is True, "the page was not reloaded"
    assert page.url == live_site.seed_article
    assert poll_form(page).count() == 0
    assert int(widget.locator(f"[data-option='{option}']").get_attribute("data-votes")) == counts[option] + 1
    assert int(widget.locator("[data-total]").get_attribute("data-total")) == counts["total"] + 1
    results = results_link(page)
    stored = {**counts, option: counts[option] + 1, "total": counts["total"] + 1}
    assert tally(page, results) == stored, "the vote is stored, not just shown"


def test_voting_without_javascript_posts_the_form_and_lands_on_the_results(reader, live_site):
    live_site.require("survey_poll")
    page = reader(java_script_enabled=False).page()
    page.goto(live_site.seed_article)
    results = results_link(page)
    counts = tally(page, results)
    page.goto(live_site.seed_article)
    option = choose(page, 1)
    with page.expect_navigation() as landed:
        poll_form(page).get_by_role("button", name="Bình chọn").click()
    assert landed.value.status == 200
    posted = landed.value.request.redirected_from
    assert posted.method == "POST" and posted.response().status == 303, "post, then redirect"
    assert page.url.startswith(results)
    assert page.get_by_role("heading", level=1).inner_text() == "Kết quả khảo sát"
    assert page.get_by_role("main").get_by_text(THANKS).count() == 1
    bar = page.locator(f"main [data-option='{option}']")
    assert int(bar.get_attribute("data-votes")) == counts[option] + 1
    assert int(page.locator("main [data-total]").get_attribute("data-total")) == counts["total"] + 1


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_a_second_vote_is_refused_politely_and_not_counted(reader, live_site, javascript):
    live_site.require("survey_poll")
    visitor = reader(java_script_enabled=javascript)
    first, second = visitor.page(), visitor.page()
    for tab in (first, second):  # two tabs show the form before any vote
        tab.goto(live_site.seed_article)
        assert poll_form(tab).count() == 1
    results = results_link(first)
    choose(first, 2)
    with first.expect_response(re.compile(r"/survey_poll/\d+/(vote|ket-qua)")):
        poll_form(first).get_by_role("button", name="Bình chọn").click()
    first.get_by_text(THANKS).wait_for()
    counts = tally(first, results)

    choose(second, 3)
    with second.expect_response(re.compile(r"/survey_poll/\d+/vote$")) as answer:
        poll_form(second).get_by_role("button", name="Bình chọn").click()
    assert answer.value.status == 409
    second.get_by_text(ALREADY).first.wait_for()
    shown = second.locator(".poll-results [data-total]").first
    assert int(shown.get_attribute("data-total")) == counts["total"], "the reader sees the results instead"
    if not javascript:
        assert second.get_by_role("heading", level=1).inner_text() == "Kết quả khảo sát"
    assert tally(first, results) == counts, "the second vote changed nothing"
    first.goto(live_site.seed_article)
    assert poll_form(first).count() == 0, "a reader who voted sees the results, not the form"
    assert first.locator("[data-widget=survey_poll]").get_by_text(ALREADY).count() == 1


def test_the_poll_can_be_answered_with_the_keyboard_alone_on_a_phone(reader, live_site):
    live_site.require("survey_poll")
    page = reader("phone").page()
    page.goto(live_site.seed_article)
    results = results_link(page)
    counts = tally(page, results)
    page.goto(live_site.seed_article)
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "option":
            break
    else:
        pytest.fail("Tab never reached the poll")
    focused = page.locator(":focus")
    assert focused.evaluate("el => getComputedStyle(el).outlineStyle") != "none", "visible focus"
    page.keyboard.press("ArrowDown")  # radios: arrows move and choose
    page.keyboard.press("ArrowDown")
    option = page.evaluate("document.activeElement.value")
    assert page.locator(":focus").is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Bình chọn"
    page.keyboard.press("Enter")
    page.locator("[data-widget=survey_poll]").get_by_text(THANKS).wait_for()
    assert page.evaluate("document.activeElement.textContent") == THANKS, \
        "focus moves to the thank-you message so a screen reader announces it"
    assert tally(page, results)[option] == counts[option] + 1


def test_a_related_link_leads_to_that_article(reader, live_site):
    live_site.require("related_news")
    page = reader().page()
    page.goto(live_site.seed_article)
    links = page.locator("[data-widget=related_news] a[href*='/bai-viet/']")
    assert links.count() >= 1
    link = links.first
    title = link.inner_text().strip()
    link.click()
    page.wait_for_url(re.compile(r"/bai-viet/"))
    assert page.url != live_site.seed_article
    assert page.get_by_role("heading", level=1).inner_text() == title
