"""Voting: one vote per reader, bad input refused with a clear 4xx and nothing counted."""
import datetime as dt
import json
import re

import pytest

from site_core import clock
from site_core.testing import form_token

UTC = dt.timezone.utc
NOW = dt.datetime(2025, 9, 1, 3, 0, tzinfo=UTC)


def client_at(app, address: str):
    """A new reader whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def set_cookies(response) -> dict[str, str]:
    """Set-Cookie headers of a response, by cookie name."""
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


# --- without JavaScript -------------------------------------------------------

def test_voting_without_javascript_end_to_end(site_client, site_app, poll, kit):
    """Home page form -> POST -> 303 -> results page; the widget then shows results; a revote is 409."""
    home = site_client.get("/").get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"', home).group(1)
    token = form_token(home)
    chosen = kit.option_ids(site_app, poll)[3]

    answer = site_client.post(action, data={"csrf_token": token, "option": str(chosen)})
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith(f"/survey_poll/{poll}/ket-qua")
    page = site_client.get(answer.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Cảm ơn bạn đã bình chọn." in html
    per_option, total = kit.figures(html)
    assert per_option[chosen] == 1 and total == 1
    assert "1 phiếu · 100%" in html and "<meter" in html

    widget = site_client.get("/").get_data(as_text=True)
    assert "Bạn đã bình chọn cho cuộc khảo sát này rồi." in widget and 'action="' + action not in widget

    again = site_client.post(action, data={"csrf_token": token, "option": str(chosen)})
    html = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "Bạn đã bình chọn cho cuộc khảo sát này rồi." in html
    assert kit.figures(html) == ({**per_option}, 1)
    assert kit.ballots(site_app, poll) == 1


def test_the_voter_cookie_is_signed_httponly_and_lax(site_client, site_app, poll, kit):
    answer = kit.vote(site_client, poll, kit.option_ids(site_app, poll)[0])
    cookie = set_cookies(answer)["survey_poll_voter"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP demo
    value = cookie.split(";")[0].split("=", 1)[1]
    assert "." in value  # payload.signature


@pytest.mark.parametrize("site_config", [{"PLUGINS": {"enabled": ["survey_poll"]},
                                          "SITE_HTTPS": True}])
def test_over_https_the_voter_cookie_is_secure_and_host_only(site_app, poll, kit):
    client = site_app.test_client()
    token = kit.csrf_token(client, f"/survey_poll/{poll}", base_url="https://localhost")
    answer = kit.vote(client, poll, kit.option_ids(site_app, poll)[0], token=token,
                      base_url="https://localhost",
                      headers={"Referer": f"https://localhost/survey_poll/{poll}"})
    assert answer.status_code == 303
    cookie = set_cookies(answer)["__Host-survey_poll_voter"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "Domain" not in cookie


# --- with JavaScript ----------------------------------------------------------

def test_the_script_gets_json_results_and_a_fragment_to_show(site_client, site_app, poll, kit):
    chosen = kit.option_ids(site_app, poll)[1]
    token = kit.csrf_token(site_client, f"/survey_poll/{poll}")
    answer = kit.vote(site_client, poll, chosen, token=token, json=True)
    assert answer.status_code == 200 and answer.is_json
    data = answer.get_json()
    assert data["ok"] is True and data["message"] == "Cảm ơn bạn đã bình chọn."
    assert data["results"]["total"] == 1
    assert {o["id"]: o["votes"] for o in data["results"]["options"]}[chosen] == 1
    assert kit.figures(data["html"]) == ({**{i: 0 for i in kit.option_ids(site_app, poll)}, chosen: 1}, 1)
    assert "survey_poll_voter" in set_cookies(answer)

    again = kit.vote(site_client, poll, chosen, token=token, json=True)
    assert again.status_code == 409
    assert again.get_json()["status"] == "already_voted"
    assert "đã bình chọn" in again.get_json()["message"]
    assert kit.figures(again.get_json()["html"])[1] == 1


def test_the_script_sees_a_bad_choice_as_json(site_client, site_app, poll, kit):
    answer = kit.vote(site_client, poll, json=True)
    assert answer.status_code == 400 and answer.get_json()["status"] == "bad_choice"
    assert answer.get_json()["message"] == "Vui lòng chọn một phương án trước khi bình chọn."


# --- bad input ------------------------------------------------------------------

BAD_CHOICES = {
    "no choice": [],
    "unknown option": ["999999"],
    "not a number": ["abc"],
    "negative": ["-1"],
    "huge": [str(2 ** 70)],
    "underscore digits": ["1_0"],
    "padded": [" 1"],
    "sql": ["1 OR 1=1"],
    "nul": ["1\x00"],
    "two options on a single-choice poll": ["FIRST", "SECOND"],
    "same option twice": ["FIRST", "FIRST"],
    "option of another poll": ["OTHER"],
}


def test_bad_choices_answer_400_and_count_nothing(site_client, site_app, poll, make_poll, kit, subtests):
    other = make_poll(question="Câu hỏi khác?", options=["Có", "Không"])
    ids = kit.option_ids(site_app, poll)
    names = {"FIRST": str(ids[0]), "SECOND": str(ids[1]), "OTHER": str(kit.option_ids(site_app, other)[0])}
    token = kit.csrf_token(site_client, f"/survey_poll/{poll}")
    for case, values in BAD_CHOICES.items():
        with subtests.test(case=case):
            answer = kit.vote(site_client, poll, *[names.get(value, value) for value in values], token=token)
            html = answer.get_data(as_text=True)
            assert answer.status_code == 400
            assert 'class="poll-message"' in html and "<form" in html  # the form again, saying why
            assert kit.ballots(site_app, poll) == 0 and kit.ballots(site_app, other) == 0
            assert set(kit.tallies(site_app, poll).values()) == {0}
            assert "survey_poll_voter" not in set_cookies(answer)


def test_a_field_named_like_php_arrays_is_no_choice(site_client, site_app, poll, kit):
    token = kit.csrf_token(site_client, f"/survey_poll/{poll}")
    answer = site_client.post(f"/survey_poll/{poll}/vote",
                              data={"csrf_token": token, "option[]": str(kit.option_ids(site_app, poll)[0])})
    assert answer.status_code == 400 and kit.ballots(site_app, poll) == 0


def test_an_unknown_poll_is_404(site_client, poll, kit):
    token = kit.csrf_token(site_client, f"/survey_poll/{poll}")
    for path in ("/survey_poll/999/vote", "/survey_poll/abc/vote"):
        assert site_client.post(path, data={"csrf_token": token, "option": "1"}).status_code == 404
    assert site_client.get("/survey_poll/999").status_code == 404
    assert site_client.get("/survey_poll/999/ket-qua").status_code == 404
    assert kit.ballots(site_client.application, poll) == 0


def test_the_maximum_number_of_choices_is_checked_on_the_server(site_client, site_app, make_poll, kit):
    poll = make_poll(question="Bạn quan tâm chuyên mục nào?",
                     options=["Tin tức", "Đào tạo", "Nghiên cứu", "Tư liệu"], max_choices=2)
    ids = kit.option_ids(site_app, poll)
    token = kit.csrf_token(site_client, f"/survey_poll/{poll}")
    too_many = kit.vote(site_client, poll, ids[0], ids[1], ids[2], token=token)
    assert too_many.status_code == 400
    assert "Chỉ được chọn tối đa 2 phương án." in too_many.get_data(as_text=True)
    assert kit.ballots(site_app, poll) == 0
    ticked = re.findall(r'value="(\d+)" id="[^"]+" checked', too_many.get_data(as_text=True))
    assert ticked == [str(i) for i in ids[:3]]  # the reader's choices come back ticked, to fix
    assert form_token(too_many.get_data(as_text=True))  # with a token to send them again

    assert kit.vote(site_client, poll, ids[0], ids[2], token=token).status_code == 303
    assert kit.tallies(site_app, poll) == {ids[0]: 1, ids[1]: 0, ids[2]: 1, ids[3]: 0}
    html = site_client.get(f"/survey_poll/{poll}/ket-qua").get_data(as_text=True)
    assert kit.figures(html)[1] == 2
    assert 'data-voters="1"' in html and "Số người tham gia: 1" in html


# --- opening and closing times, checked at the moment of the vote -------------

def test_a_closed_poll_refuses_votes_with_409(site_client, site_app, poll, kit):
    from site_survey_poll.polls import close_poll

    token = kit.csrf_token(site_client, f"/survey_poll/{poll}")
    with site_app.app_context():
        close_poll(poll)
    answer = kit.vote(site_client, poll, kit.option_ids(site_app, poll)[0], token=token)
    assert answer.status_code == 409 and "đã đóng" in answer.get_data(as_text=True)
    assert kit.ballots(site_app, poll) == 0
    page = site_client.get(f"/survey_poll/{poll}").get_data(as_text=True)
    assert 'method="post"' not in page and "data-total" in page  # a closed poll shows results only


def test_opening_and_closing_times_are_checked_when_the_vote_arrives(site_app, make_poll, kit):
    opens, closes = NOW, NOW + dt.timedelta(days=7)
    poll = make_poll(opens_at=opens, closes_at=closes)
    chosen = kit.option_ids(site_app, poll)[0]
    clock.freeze(site_app, opens - dt.timedelta(days=1))
    early = site_app.test_client()
    assert early.get(f"/survey_poll/{poll}").status_code == 404  # not public before it opens

    def attempt(at):
        clock.freeze(site_app, at)
        client = site_app.test_client()
        clock.freeze(site_app, opens)                     # fetch a form while the poll is open
        token = kit.csrf_token(client, f"/survey_poll/{poll}")
        clock.freeze(site_app, at)                        # ...and post it at ``at``
        return kit.vote(client, poll, chosen, token=token)

    before = attempt(opens - dt.timedelta(microseconds=1))
    assert before.status_code == 409 and "chưa mở" in before.get_data(as_text=True)
    assert attempt(opens).status_code == 303
    assert attempt(closes - dt.timedelta(seconds=1)).status_code == 303
    after = attempt(closes)
    assert after.status_code == 409 and "đã kết thúc" in after.get_data(as_text=True)
    assert kit.ballots(site_app, poll) == 2


# --- caching ---------------------------------------------------------------------

def test_results_are_cached_and_a_vote_clears_its_polls_entry(site_client, site_app, poll, kit):
    import sqlalchemy as sa

    from site_core.db import write_transaction
    from site_survey_poll.models import options

    ids = kit.option_ids(site_app, poll)
    assert kit.figures(site_client.get(f"/survey_poll/{poll}/ket-qua").get_data(as_text=True))[1] == 0
    with site_app.app_context(), write_transaction() as connection:   # behind the cache's back
        connection.execute(sa.update(options).where(options.c.id == ids[4]).values(votes=5))
    cached = kit.figures(site_client.get(f"/survey_poll/{poll}/ket-qua").get_data(as_text=True))
    assert cached[1] == 0  # still the cached figures

    assert kit.vote(site_app.test_client(), poll, ids[0]).status_code == 303
    per_option, total = kit.figures(site_client.get(f"/survey_poll/{poll}/ket-qua").get_data(as_text=True))
    assert per_option[ids[0]] == 1 and per_option[ids[4]] == 5 and total == 6


# --- the address: a rate limit, never an identity -------------------------------

@pytest.mark.parametrize("poll_settings", [{"rate_limit": 3}])
def test_a_flood_from_one_address_is_answered_429(site_app, poll, make_poll, kit, poll_settings):
    chosen = kit.option_ids(site_app, poll)[0]
    clock.freeze(site_app, NOW)
    statuses = [kit.vote(site_app.test_client(), poll, chosen).status_code for _ in range(5)]
    assert statuses == [303, 303, 303, 429, 429]
    assert kit.ballots(site_app, poll) == 3 and kit.tallies(site_app, poll)[chosen] == 3

    limited = kit.vote(site_app.test_client(), poll, chosen)
    assert int(limited.headers["Retry-After"]) == 3600 - (int(NOW.timestamp()) % 3600)
    assert "quá nhiều" in limited.get_data(as_text=True)
    assert "survey_poll_voter" not in set_cookies(limited)
    json_answer = kit.vote(site_app.test_client(), poll, chosen, json=True)
    assert json_answer.status_code == 429 and json_answer.get_json()["status"] == "rate_limited"

    neighbour = client_at(site_app, "198.51.100.20")
    assert kit.vote(neighbour, poll, chosen).status_code == 303       # another address
    other_poll = make_poll(question="Câu hỏi khác?", options=["Có", "Không"])
    other = kit.vote(site_app.test_client(), other_poll, kit.option_ids(site_app, other_poll)[0])
    assert other.status_code == 303                                   # the limit is per poll
    clock.freeze(site_app, NOW + dt.timedelta(hours=1))
    assert kit.vote(site_app.test_client(), poll, chosen).status_code == 303  # next window
    assert kit.ballots(site_app, poll) == 5


@pytest.mark.parametrize("poll_settings", [{"rate_limit": 2}])
def test_forged_forwarded_for_headers_are_not_new_addresses(site_app, poll, kit, poll_settings):
    chosen = kit.option_ids(site_app, poll)[0]
    statuses = []
    for n in range(4):
        client = site_app.test_client()
        token = kit.csrf_token(client, f"/survey_poll/{poll}")
        forged = {"X-Forwarded-For": f"203.0.113.{n}", "Client-IP": f"192.0.2.{n}", "X-Real-IP": f"192.0.2.{n}"}
        statuses.append(kit.vote(client, poll, chosen, token=token, headers=forged).status_code)
    assert statuses == [303, 303, 429, 429]
    assert kit.ballots(site_app, poll) == 2


@pytest.mark.parametrize("site_config", [{"PLUGINS": {"enabled": ["survey_poll"], "survey_poll": {"rate_limit": 2}},
                                          "TRUSTED_PROXY_COUNT": 1}])
def test_behind_one_proxy_only_the_address_it_adds_counts(site_app, poll, kit):
    chosen = kit.option_ids(site_app, poll)[0]

    def from_client(real: str, forged: str):
        client = client_at(site_app, "10.0.0.1")  # our proxy
        token = kit.csrf_token(client, f"/survey_poll/{poll}")
        return kit.vote(client, poll, chosen, token=token,
                        headers={"X-Forwarded-For": f"{forged}, {real}"}).status_code

    assert [from_client("203.0.113.5", f"192.0.2.{n}") for n in range(3)] == [303, 303, 429]
    assert from_client("203.0.113.6", "192.0.2.99") == 303   # a different real client
    assert kit.ballots(site_app, poll) == 3


def test_the_address_is_stored_only_as_a_keyed_hash(site_app, poll, kit):
    import sqlalchemy as sa

    from site_core.db import db
    from site_survey_poll.models import rate

    client = client_at(site_app, "203.0.113.77")
    assert kit.vote(client, poll, kit.option_ids(site_app, poll)[0]).status_code == 303
    with site_app.app_context():
        rows = db.session.execute(sa.select(rate)).all()
        from site_survey_poll.voting import address_key
        with site_app.test_request_context("/"):
            expected = address_key("203.0.113.77")
    assert [row.address_key for row in rows] == [expected]
    assert "203.0.113.77" not in json.dumps([list(map(str, row)) for row in rows])
    import hashlib
    assert expected != hashlib.sha256(b"203.0.113.77").hexdigest()[:40]  # keyed, not a plain hash


def test_ipv6_readers_in_one_slash_64_share_a_limit(site_app):
    from site_survey_poll.voting import address_key

    with site_app.test_request_context("/"):
        assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff::9")
        assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
        assert address_key("::ffff:198.51.100.1") == address_key("198.51.100.1")


# --- the voter cookie ------------------------------------------------------------

def test_a_tampered_or_deleted_voter_cookie_leaves_the_reader_the_voter_they_were(site_app, poll, kit):
    chosen = kit.option_ids(site_app, poll)[0]
    client = site_app.test_client()
    token = kit.csrf_token(client, f"/survey_poll/{poll}")
    assert kit.vote(client, poll, chosen, token=token).status_code == 303
    original = client.get_cookie("survey_poll_voter").value
    payload, signature = original.rsplit(".", 1)
    client.set_cookie("survey_poll_voter", payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:])
    answer = kit.vote(client, poll, chosen, token=token)
    assert answer.status_code == 409  # the session that carries the form's token still names the voter...
    assert client.get_cookie("survey_poll_voter").value == original  # ...and the cookie is given back
    client.delete_cookie("survey_poll_voter")
    assert kit.vote(client, poll, chosen, token=token).status_code == 409
    assert 'method="post"' not in client.get(f"/survey_poll/{poll}").get_data(as_text=True)
    assert kit.ballots(site_app, poll) == 1


@pytest.mark.parametrize("poll_settings", [{"rate_limit": 2}])
def test_a_reader_who_clears_their_cookies_is_a_new_reader_limited_by_the_address(site_app, poll, kit):
    chosen = kit.option_ids(site_app, poll)[0]
    for expected in (303, 303, 429):
        client = site_app.test_client()  # no cookie left: a new session, the form again, a new token
        assert kit.vote(client, poll, chosen).status_code == expected
    assert kit.ballots(site_app, poll) == 2


def test_a_cookie_signed_with_another_key_is_no_voter(site_app, poll, kit):
    from itsdangerous import URLSafeSerializer

    from site_survey_poll.voting import SALT

    forged = URLSafeSerializer("another-key" * 4, salt=SALT).dumps("a-voter-id-of-someone")
    client = site_app.test_client()
    client.set_cookie("survey_poll_voter", forged)
    assert "<form" in client.get(f"/survey_poll/{poll}").get_data(as_text=True)
    assert kit.vote(client, poll, kit.option_ids(site_app, poll)[0]).status_code == 303


@pytest.mark.parametrize("site_config", [{"PLUGINS": {"enabled": ["survey_poll"]},
                                          "SECRET_KEY": "n" * 32, "SECRET_KEY_FALLBACKS": ["o" * 32]}])
def test_voter_cookies_survive_a_key_rotation(site_app, poll, kit):
    from itsdangerous import URLSafeSerializer

    from site_survey_poll.voting import SALT

    client = site_app.test_client()
    old = URLSafeSerializer("o" * 32, salt=SALT).dumps("voter-signed-with-old-key")
    client.set_cookie("survey_poll_voter", old)
    token = kit.csrf_token(client, f"/survey_poll/{poll}")
    assert kit.vote(client, poll, kit.option_ids(site_app, poll)[0], token=token).status_code == 303
    assert kit.vote(client, poll, kit.option_ids(site_app, poll)[0], token=token).status_code == 409


def test_a_scheduled_poll_is_not_public_before_it_opens(site_app, make_poll, kit):
    opens = NOW + dt.timedelta(days=1)
    poll = make_poll(question="Câu hỏi sắp mở?", opens_at=opens)
    clock.freeze(site_app, NOW)
    client = site_app.test_client()
    assert "Câu hỏi sắp mở?" not in client.get("/survey_poll/").get_data(as_text=True)
    for page in (f"/survey_poll/{poll}", f"/survey_poll/{poll}/ket-qua", f"/survey_poll/{poll}/bieu-mau"):
        assert client.get(page).status_code == 404, page
    clock.freeze(site_app, opens)
    assert "Câu hỏi sắp mở?" in client.get("/survey_poll/").get_data(as_text=True)
    assert "<form" in client.get(f"/survey_poll/{poll}").get_data(as_text=True)
