"""Pages served from a shared cache never carry one reader's CSRF token (B6)."""
import pytest


@pytest.fixture
def poll_settings():
    return {"shared_cache": True}


def widget_of(html: str) -> str:
    start = html.index('data-widget="survey_poll"')
    return html[start:html.index("</section>", start)]


def test_the_page_carries_no_token_and_sets_no_session(site_client, site_app, poll, kit):
    first = site_client.get("/")
    html = first.get_data(as_text=True)
    assert "csrf_token" not in html
    assert not any(h.startswith(("session=", "site_reader=")) for h in first.headers.getlist("Set-Cookie"))
    widget = widget_of(html)
    assert kit.QUESTION in widget
    slot, = kit.Markup(widget).with_attr("data-poll-fragment")
    assert slot["data-poll-fragment"] == f"/survey_poll/{poll}/bieu-mau"
    links = {a["href"] for a in kit.Markup(widget).find("a")}
    assert {f"/survey_poll/{poll}", f"/survey_poll/{poll}/ket-qua"} <= links
    assert "Tham gia bình chọn" in widget and "Xem kết quả" in widget
    # the same bytes for every reader, even one who voted
    voter = site_app.test_client()
    assert kit.vote(voter, poll, kit.option_ids(site_app, poll)[0]).status_code == 303
    assert widget_of(voter.get("/").get_data(as_text=True)) == widget_of(site_app.test_client().get("/").get_data(as_text=True))


def test_the_form_comes_from_a_small_uncached_request(site_client, site_app, poll, kit):
    fragment = site_client.get(f"/survey_poll/{poll}/bieu-mau")
    assert fragment.status_code == 200
    assert fragment.headers["Cache-Control"] == "private, no-store"
    assert "Cookie" in fragment.headers["Vary"]
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "<form" in html and 'name="csrf_token"' in html
    token = kit.csrf_token(site_client, f"/survey_poll/{poll}/bieu-mau")
    chosen = kit.option_ids(site_app, poll)[1]
    answer = kit.vote(site_client, poll, chosen, token=token, json=True)
    assert answer.status_code == 200
    after = site_client.get(f"/survey_poll/{poll}/bieu-mau").get_data(as_text=True)
    assert "<form" not in after and kit.figures(after)[0][chosen] == 1


def test_without_javascript_the_link_leads_to_the_uncached_poll_page(site_client, site_app, poll, kit):
    home = site_client.get("/").get_data(as_text=True)
    assert f'href="/survey_poll/{poll}"' in widget_of(home)
    page = site_client.get(f"/survey_poll/{poll}")
    assert page.headers["Cache-Control"] == "private, no-store" and "Cookie" in page.headers["Vary"]
    token = kit.csrf_token(site_client, f"/survey_poll/{poll}")
    answer = kit.vote(site_client, poll, kit.option_ids(site_app, poll)[0], token=token)
    assert answer.status_code == 303
    assert "Cảm ơn" in site_client.get(answer.headers["Location"]).get_data(as_text=True)


def test_a_closed_poll_on_a_shared_page_shows_the_same_results_to_all(site_app_factory, kit):
    from site_survey_poll.polls import PollSpec, close_poll, create_poll

    app = site_app_factory({"PLUGINS": {"enabled": ["survey_poll"],
                                        "survey_poll": {"shared_cache": True, "pinned_poll": 1}}})
    with app.app_context():
        poll = create_poll(PollSpec(kit.QUESTION, kit.OPTIONS))
    voter = app.test_client()
    assert kit.vote(voter, poll, kit.option_ids(app, poll)[0]).status_code == 303
    with app.app_context():
        close_poll(poll)
    mine = widget_of(voter.get("/").get_data(as_text=True))
    theirs = widget_of(app.test_client().get("/").get_data(as_text=True))
    assert mine == theirs and "csrf_token" not in mine and "<form" not in mine
    assert kit.figures(mine)[1] == 1 and "đã đóng" in mine


def test_by_default_the_form_and_its_token_are_in_the_page(site_app_factory, kit):
    app = site_app_factory({"PLUGINS": {"enabled": ["survey_poll"]}})
    from site_survey_poll.polls import PollSpec, create_poll
    with app.app_context():
        create_poll(PollSpec(kit.QUESTION, kit.OPTIONS))
    html = app.test_client().get("/").get_data(as_text=True)
    assert 'name="csrf_token"' in widget_of(html) and "data-poll-fragment" not in html


def test_an_article_page_carries_no_token_either(site_client, site_app, poll, make_article):
    article = make_article(site_app, title="Đại hội chi bộ nhiệm kỳ mới", body="<p>Nội dung.</p>")
    page = site_client.get(f"/bai-viet/{article.slug}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-widget="survey_poll"' in html
    assert "csrf_token" not in html and "data-poll-fragment" in html
    assert not any(h.startswith(("session=", "site_reader=")) for h in page.headers.getlist("Set-Cookie"))
