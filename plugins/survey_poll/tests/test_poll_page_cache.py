"""The poll on pages served from memory: each reader their own form and token, results once voted."""
from site_core import page_cache


def widget_of(html: str) -> str:
    return html.split('data-widget="survey_poll"')[1].split("</section>")[0]


def test_each_reader_gets_their_own_token_and_votes_without_javascript_from_a_kept_page(site_app, poll, kit):
    readers = [site_app.test_client() for _ in range(3)]
    tokens = [kit.csrf_token(reader, "/") for reader in readers]
    assert page_cache.store(site_app).stats()["hits"] >= 2  # the later readers' pages came from memory
    assert len(set(tokens)) == 3
    chosen = kit.option_ids(site_app, poll)[0]
    for reader, token in zip(readers[:2], tokens):
        assert kit.vote(reader, poll, chosen, token=token).status_code == 303
    assert kit.tallies(site_app, poll)[chosen] == 2
    voted = widget_of(readers[0].get("/").get_data(as_text=True))
    assert "Bạn đã bình chọn" in voted and "<form" not in voted and 'data-votes="2"' in voted
    assert "<form" in widget_of(readers[2].get("/").get_data(as_text=True))


def test_a_kept_page_sets_the_reader_cookie_of_the_token_and_says_it_varies(site_app, poll):
    site_app.test_client().get("/")  # kept
    reader = site_app.test_client()
    response = reader.get("/")
    assert page_cache.store(site_app).stats()["hits"] == 1
    cookies = response.headers.getlist("Set-Cookie")
    assert [c.split("=")[0] for c in cookies if not c.startswith("visit_counter=")] == ["site_reader"]
    assert "HttpOnly" in cookies[-1] and "SameSite=Lax" in cookies[-1] and "Expires" not in cookies[-1]
    assert "Cookie" in response.vary and response.headers["Cache-Control"] == "private, no-cache"
    again = reader.get("/")  # a returning reader keeps their value: no cookie set again
    assert not any(c.startswith("site_reader=") for c in again.headers.getlist("Set-Cookie"))


def test_another_readers_token_is_refused(site_app, poll, kit):
    first, second = site_app.test_client(), site_app.test_client()
    token = kit.csrf_token(first, "/")
    kit.csrf_token(second, "/")
    response = kit.vote(second, poll, kit.option_ids(site_app, poll)[0], token=token)
    assert response.status_code == 400 and sum(kit.tallies(site_app, poll).values()) == 0


def test_a_scheduled_poll_appears_and_leaves_exactly_on_time_on_kept_pages(site_app, make_poll):
    import datetime as dt

    from site_core import clock

    now = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.timezone.utc)
    opens, closes = now + dt.timedelta(hours=1), now + dt.timedelta(hours=2)
    clock.freeze(site_app, now)
    make_poll(question="Câu hỏi hẹn giờ?", opens_at=opens, closes_at=closes)
    client = site_app.test_client()
    for instant, shown in ((now, False), (opens - dt.timedelta(seconds=1), False), (opens, True),
                           (closes - dt.timedelta(seconds=1), True), (closes, False)):
        clock.freeze(site_app, instant)
        for _ in range(2):  # the second from memory
            assert ("Câu hỏi hẹn giờ?" in client.get("/").get_data(as_text=True)) is shown, instant
    assert page_cache.store(site_app).stats()["hits"] >= 5
