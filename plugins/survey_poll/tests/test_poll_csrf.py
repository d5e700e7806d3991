"""SECURITY.md part B (CSRF on the poll) and the hostile-input parts of C and A5."""
import logging
import time

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st
from werkzeug.datastructures import MultiDict


def test_a_vote_without_a_token_is_400_and_stores_nothing(site_client, site_app, poll, kit, caplog):
    with caplog.at_level(logging.INFO, logger="site_core.reader_forms"):
        answer = site_client.post(f"/survey_poll/{poll}/vote",
                                  data={"option": str(kit.option_ids(site_app, poll)[0])})
    assert answer.status_code == 400
    assert "tải lại trang" in answer.get_data(as_text=True)
    assert kit.ballots(site_app, poll) == 0
    assert any(r.name == "site_core.reader_forms" for r in caplog.records)


def test_the_script_gets_a_json_400_for_a_missing_token(site_client, site_app, poll, kit):
    site_client.get(f"/survey_poll/{poll}")
    answer = site_client.post(f"/survey_poll/{poll}/vote", headers={"Accept": "application/json"},
                              data={"option": str(kit.option_ids(site_app, poll)[0])})
    assert answer.status_code == 400 and answer.get_json()["status"] == "csrf"
    assert kit.ballots(site_app, poll) == 0


def test_a_token_from_another_session_is_refused(site_app, poll, kit):
    reader_a, reader_b = site_app.test_client(), site_app.test_client()
    token_a = kit.csrf_token(reader_a, f"/survey_poll/{poll}")
    kit.csrf_token(reader_b, f"/survey_poll/{poll}")
    answer = kit.vote(reader_b, poll, kit.option_ids(site_app, poll)[0], token=token_a)
    assert answer.status_code == 400 and kit.ballots(site_app, poll) == 0


def test_a_stale_token_is_refused_with_a_reload_hint(site_client, site_app, poll, kit, monkeypatch):
    token = kit.csrf_token(site_client, f"/survey_poll/{poll}")
    limit = site_app.config["WTF_CSRF_TIME_LIMIT"]
    monkeypatch.setattr(time, "time", lambda real=time.time: real() + limit + 60)  # the form left open
    answer = kit.vote(site_client, poll, kit.option_ids(site_app, poll)[0], token=token)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "expired" in html and "tải lại trang" in html
    assert kit.ballots(site_app, poll) == 0


REFERERS = [  # (Referer, status); the last one counts
    (None, 400),
    ("https://evil.example/survey_poll/1", 400),
    ("https://localhost:8443/survey_poll/1", 400),
    ("https://localhost/survey_poll/1", 303),
]


def test_over_https_the_referer_must_be_this_site(site_app, poll, kit, subtests):
    for referer, status in REFERERS:
        with subtests.test(referer=referer):
            client = site_app.test_client()
            token = kit.csrf_token(client, f"/survey_poll/{poll}", base_url="https://localhost")
            headers = {"Referer": referer} if referer else {}
            answer = kit.vote(client, poll, kit.option_ids(site_app, poll)[0], token=token,
                              base_url="https://localhost", headers=headers)
            assert answer.status_code == status
            assert kit.ballots(site_app, poll) == (1 if status == 303 else 0)


def test_the_vote_url_only_takes_post(site_client, site_app, poll, kit):
    chosen = kit.option_ids(site_app, poll)[0]
    for method in ("GET", "HEAD", "PUT", "DELETE"):
        answer = site_client.open(f"/survey_poll/{poll}/vote?option={chosen}", method=method)
        assert answer.status_code == 405, method
    assert kit.ballots(site_app, poll) == 0


def test_an_oversized_body_is_413_and_counts_nothing(site_client, site_app, poll, kit):
    token = kit.csrf_token(site_client, f"/survey_poll/{poll}")
    chosen = str(kit.option_ids(site_app, poll)[0])
    big = site_client.post(f"/survey_poll/{poll}/vote",
                           data={"csrf_token": token, "option": chosen, "padding": "x" * (2 * 1024 * 1024)})
    assert big.status_code == 413
    many = MultiDict([("csrf_token", token), ("option", chosen)] + [(f"f{n}", "1") for n in range(2000)])
    assert site_client.post(f"/survey_poll/{poll}/vote", data=many).status_code == 413
    assert site_client.post(f"/survey_poll/{poll}/vote", data=many,
                            content_type="multipart/form-data").status_code == 413
    options = MultiDict([("csrf_token", token)] + [("option", chosen)] * 2000)
    assert site_client.post(f"/survey_poll/{poll}/vote", data=options).status_code == 413
    assert kit.ballots(site_app, poll) == 0


def test_no_route_but_the_vote_changes_anything(site_client, site_app, poll, kit):
    """There is no web admin: plausible admin URLs refuse POSTs and nothing changes (C9)."""
    token = kit.csrf_token(site_client, f"/survey_poll/{poll}")
    before = site_client.get(f"/survey_poll/{poll}/ket-qua").get_data(as_text=True)
    data = {"csrf_token": token, "question": "Bị sửa?", "option": "Bị sửa", "status": "closed"}
    for path in ["/survey_poll/", f"/survey_poll/{poll}", f"/survey_poll/{poll}/ket-qua",
                 f"/survey_poll/{poll}/bieu-mau", "/survey_poll/admin", "/survey_poll/create",
                 "/survey_poll/new", f"/survey_poll/{poll}/close", f"/survey_poll/{poll}/delete",
                 f"/survey_poll/{poll}/edit", f"/survey_poll/{poll}/options/1", "/survey_poll/admin/polls"]:
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            answer = site_client.open(path, method=method, data=data)
            assert answer.status_code in (404, 405), (method, path, answer.status_code)
    assert site_client.get(f"/survey_poll/{poll}/ket-qua").get_data(as_text=True) == before
    assert "<form" in site_client.get(f"/survey_poll/{poll}").get_data(as_text=True)  # still open
    rules = [r for r in site_app.url_map.iter_rules() if r.endpoint.startswith("survey_poll.")]
    changing = {r.rule for r in rules if set(r.methods) - {"GET", "HEAD", "OPTIONS"}}
    assert changing == {"/survey_poll/<id:poll_id>/vote"}


# --- Hypothesis over the vote form (C1) -----------------------------------------

FIELD = st.sampled_from(["option", "option[]", "Option", "options", "x"])
VALUE = st.one_of(
    st.sampled_from(["1", "2", "3", "4", "5", "6", "0", "-1", "abc", str(2 ** 70), "1 OR 1=1",
                     "1\x00", "１", "٣", " 2", "3 ", "1e2", "", "<script>"]),
    st.text(max_size=12),
)


def _valid(pairs, ids, max_choices) -> bool:
    chosen = [value for field, value in pairs if field == "option"]
    digits = all(v.isascii() and v.isdigit() and len(v) <= 18 for v in chosen)
    return (digits and 1 <= len(chosen) <= max_choices and len(set(chosen)) == len(chosen)
            and {int(v) for v in chosen} <= set(ids))


@pytest.mark.parametrize("poll_settings", [{"rate_limit": 10 ** 6}])
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(FIELD, VALUE), max_size=6))
@example(pairs=[("option", "1"), ("option", "2")])
@example(pairs=[("option", "2")])
@example(pairs=[("option", "6")])       # an option of the other poll
def test_any_form_input_is_counted_only_when_valid_and_never_500(site_app, make_poll, kit, poll_settings, pairs):
    if not _has_poll(site_app):
        make_poll(question="Câu hỏi một?", options=["A", "B", "C", "D", "E"], max_choices=2)
        make_poll(question="Câu hỏi hai?", options=["F", "G"])
    ids = kit.option_ids(site_app, 1)
    client = site_app.test_client()
    token = kit.csrf_token(client, "/survey_poll/1")
    before = kit.ballots(site_app, 1), sum(kit.tallies(site_app, 1).values())
    answer = client.post("/survey_poll/1/vote", data=MultiDict([("csrf_token", token)] + pairs))
    after = kit.ballots(site_app, 1), sum(kit.tallies(site_app, 1).values())
    assert answer.status_code < 500
    if _valid(pairs, ids, 2):
        chosen = sum(1 for field, _ in pairs if field == "option")
        assert answer.status_code == 303 and after == (before[0] + 1, before[1] + chosen)
    else:
        assert answer.status_code == 400 and after == before


def _has_poll(app) -> bool:
    from site_survey_poll.results import read

    from site_core.db import db
    with app.app_context():
        return read(db.session, 1) is not None
