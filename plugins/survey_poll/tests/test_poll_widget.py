"""The sidebar widget: which poll it shows, and its markup (DESIGN.md's poll markup)."""
import datetime as dt
import logging

import pytest

from site_core import clock, plugins

UTC = dt.timezone.utc
NOW = dt.datetime(2025, 9, 1, 3, 0, tzinfo=UTC)


def widget_of(html: str) -> str:
    start = html.index('data-widget="survey_poll"')
    return html[start:html.index("</section>", start)]


def test_widget_asks_the_seed_question_with_a_real_form(site_client, site_app, poll, kit):
    html = widget_of(site_client.get("/").get_data(as_text=True))
    page = kit.Markup(html)
    assert "Khảo sát ý kiến" in html
    form, = page.find("form")
    assert form["method"] == "post" and form["action"] == f"/survey_poll/{poll}/vote"
    assert len(page.find("fieldset")) == 1
    assert f"<legend class=\"poll-question\">{kit.QUESTION}</legend>" in html
    radios = page.find("input", type="radio", name="option")
    assert [int(r["value"]) for r in radios] == kit.option_ids(site_app, poll)
    labelled = {label["for"] for label in page.find("label")}
    assert {radio["id"] for radio in radios} == labelled
    assert "".join(page.text).count("Bình chọn") == 1 and page.find("button", type="submit")
    assert page.find("input", name="csrf_token", type="hidden")
    results_link, = [a for a in page.find("a") if a.get("href") == f"/survey_poll/{poll}/ket-qua"]
    assert "Xem kết quả" in html


def test_multiple_choice_polls_use_checkboxes_and_say_the_maximum(site_client, make_poll, kit):
    make_poll(question="Bạn quan tâm chuyên mục nào?", options=["Tin tức", "Đào tạo", "Nghiên cứu"],
              max_choices=2)
    page = kit.Markup(widget_of(site_client.get("/").get_data(as_text=True)))
    assert len(page.find("input", type="checkbox", name="option")) == 3
    assert not page.find("input", type="radio")
    assert "Chọn tối đa 2 phương án." in "".join(page.text)


def test_widget_shows_the_newest_open_poll(site_app, site_client, make_poll):
    clock.freeze(site_app, NOW)
    make_poll(question="Câu hỏi cũ?", options=["Có", "Không"], opens_at=NOW - dt.timedelta(days=30))
    make_poll(question="Câu hỏi mới?", options=["Có", "Không"], opens_at=NOW - dt.timedelta(days=1))
    make_poll(question="Câu hỏi chưa mở?", options=["Có", "Không"], opens_at=NOW + dt.timedelta(hours=1))
    make_poll(question="Câu hỏi đã hết hạn?", options=["Có", "Không"], closes_at=NOW)
    html = widget_of(site_client.get("/").get_data(as_text=True))
    assert "Câu hỏi mới?" in html
    assert "Câu hỏi cũ?" not in html and "chưa mở" not in html and "hết hạn" not in html


def test_a_scheduled_poll_appears_when_its_time_comes(site_app, site_client, make_poll):
    clock.freeze(site_app, NOW)
    make_poll(question="Câu hỏi sáng mai?", options=["Có", "Không"], opens_at=NOW + dt.timedelta(hours=1))
    assert 'data-widget="survey_poll"' not in site_client.get("/").get_data(as_text=True)
    clock.freeze(site_app, NOW + dt.timedelta(hours=1))
    assert "Câu hỏi sáng mai?" in widget_of(site_client.get("/").get_data(as_text=True))


def test_no_open_poll_leaves_the_widget_out(site_client, site_app, make_poll):
    from site_survey_poll.polls import close_poll

    poll = make_poll()
    with site_app.app_context():
        close_poll(poll)
    html = site_client.get("/").get_data(as_text=True)
    assert 'data-widget="survey_poll"' not in html and "data-widget-error" not in html


@pytest.mark.parametrize("poll_settings", [{"pinned_poll": 1}])
def test_the_pinned_poll_is_shown_even_when_newer_ones_are_open(site_client, make_poll, poll_settings):
    first = make_poll(question="Câu hỏi được ghim?", options=["Có", "Không"])
    make_poll(question="Câu hỏi mới hơn?", options=["Có", "Không"])
    assert first == 1
    html = widget_of(site_client.get("/").get_data(as_text=True))
    assert "Câu hỏi được ghim?" in html and "Câu hỏi mới hơn?" not in html


@pytest.mark.parametrize("poll_settings", [{"pinned_poll": 1}])
def test_a_pinned_closed_poll_shows_results_only(site_client, site_app, make_poll, kit):
    from site_survey_poll.polls import close_poll

    make_poll()
    with site_app.app_context():
        close_poll(1)
    html = widget_of(site_client.get("/").get_data(as_text=True))
    page = kit.Markup(html)
    assert not page.find("form") and not page.find("input")
    per_option, total = kit.figures(html)
    assert total == 0 and len(per_option) == len(kit.OPTIONS)
    assert "đã đóng" in html and "kết quả" in html


@pytest.mark.parametrize("poll_settings", [{"pinned_poll": 42}])
def test_a_missing_pinned_poll_leaves_the_widget_out_and_says_why(site_client, make_poll, caplog):
    make_poll()
    with caplog.at_level(logging.WARNING):
        html = site_client.get("/").get_data(as_text=True)
    assert 'data-widget="survey_poll"' not in html
    assert "pinned_poll = 42" in caplog.text


def test_a_reader_who_voted_sees_results_in_the_widget(site_client, site_app, poll, kit):
    chosen = kit.option_ids(site_app, poll)[2]
    assert kit.vote(site_client, poll, chosen).status_code == 303
    html = widget_of(site_client.get("/").get_data(as_text=True))
    assert "<form" not in html
    per_option, total = kit.figures(html)
    assert per_option[chosen] == 1 and total == 1
    assert "Bạn đã bình chọn" in html
    other_reader = site_app.test_client()
    assert "<form" in widget_of(other_reader.get("/").get_data(as_text=True))


def test_the_widget_is_not_repeated_on_the_polls_own_pages(site_client, poll):
    for path in (f"/survey_poll/{poll}", f"/survey_poll/{poll}/ket-qua", "/survey_poll/"):
        html = site_client.get(path).get_data(as_text=True)
        assert 'data-widget="survey_poll"' not in html
        assert html.count("<legend") <= 1


def test_the_script_and_stylesheet_are_served_and_linked(site_client, poll):
    html = site_client.get("/").get_data(as_text=True)
    assert '<script src="/survey_poll/static/survey_poll.js" defer></script>' in html
    assert 'href="/survey_poll/static/survey_poll.css"' in html
    script = site_client.get("/survey_poll/static/survey_poll.js")
    assert script.status_code == 200 and "fetch(" in script.get_data(as_text=True)
    assert "no-store" not in script.headers.get("Cache-Control", "")
    assert "<script>" not in html  # no inline script (CSP)


def test_demo_data_is_the_seed_poll_with_consistent_votes_and_runs_twice(site_app, site_client, kit):
    registry = plugins.get(site_app)
    with site_app.app_context():
        first = {p.name: summary for p, summary in registry.call_each("site_demo_data", app=site_app)}
        second = {p.name: summary for p, summary in registry.call_each("site_demo_data", app=site_app)}
    assert "demo votes" in first["survey_poll"] and "already there" in second["survey_poll"]
    html = widget_of(site_client.get("/").get_data(as_text=True))
    assert kit.QUESTION in html
    texts = [label for label in kit.Markup(html).text if label.strip()]
    for option in ("Internet", "Báo chí", "Bạn bè, người quen", "Hội nghị, tập huấn", "Khác"):
        assert option in texts
    results_page = site_client.get("/survey_poll/1/ket-qua").get_data(as_text=True)
    per_option, total = kit.figures(results_page)
    assert total == sum(per_option.values()) > 500
    assert per_option == kit.choice_counts(site_app, 1) == kit.tallies(site_app, 1)
    assert kit.ballots(site_app, 1) == total  # single choice: one option per ballot
    with site_app.app_context():
        from site_survey_poll.polls import all_polls
        polls = all_polls()
        assert len(polls) == 1 and polls[0].closes_at is None and polls[0].status == "open"
