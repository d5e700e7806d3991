"""Reader forms: a CSRF token made for the browser's ``site_reader`` cookie, no session needed.

A form a widget draws on reader pages posts to a view wrapped in
``reader_form``; these tests stand for any such widget (the poll's own are
in its plugin's tests).
"""
from __future__ import annotations

import time

import pytest
from flask import render_template_string

from site_core import page_cache
from site_core.api import reader_form, reader_key
from site_core.testing import form_token

FORM = '<form method="post"><input name="csrf_token" value="{{ reader_csrf_token() }}"></form>'


@pytest.fixture
def app(site_app_factory):
    app = site_app_factory({"PLUGINS": {"enabled": []}})

    def form():
        return render_template_string(FORM)

    def sign():
        return {"signer": reader_key("guestbook")}

    app.add_url_rule("/form", "form", form)
    app.add_url_rule("/sign", "sign", reader_form(sign), methods=["POST"])
    return app


def new_reader(app, base_url: str = "http://localhost"):
    client = app.test_client()
    page = client.get("/form", base_url=base_url)
    return client, form_token(page.get_data(as_text=True)), page


def test_a_reader_posts_with_the_token_of_their_cookie_and_no_session_is_made(app):
    client, token, page = new_reader(app)
    cookies = page.headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith("site_reader=")
    assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0] and "Path=/" in cookies[0]
    answer = client.post("/sign", data={"csrf_token": token})
    assert answer.status_code == 200
    assert not any(c.startswith("session=") for c in answer.headers.getlist("Set-Cookie"))
    again = client.post("/sign", headers={"X-CSRFToken": token})  # the script's way
    assert again.status_code == 200 and again.get_json() == answer.get_json()  # one browser, one key


def test_a_request_without_a_session_cookie_builds_no_session_signer_and_a_session_still_works(app, monkeypatch):
    from flask import session

    app.add_url_rule("/seen", "seen", lambda: session.get("seen", "no"))
    interface = app.session_interface
    built = []
    real = interface.get_signing_serializer
    monkeypatch.setattr(interface, "get_signing_serializer", lambda a: built.append(1) or real(a))
    client = app.test_client()
    assert client.get("/form").status_code == 200 and built == []  # a reader: nothing signed or read
    with client.session_transaction() as saved:
        saved["seen"] = "yes"
    assert client.get("/seen").get_data(as_text=True) == "yes" and built


def test_a_token_is_refused_without_its_cookie_from_another_browser_or_altered(app):
    client, token, _ = new_reader(app)
    other, other_token, _ = new_reader(app)
    issued, mac = token.split(".")
    refused = {
        "no token": (client, {}),
        "another browser's token": (client, {"csrf_token": other_token}),
        "a later time on the same mac": (client, {"csrf_token": f"{int(issued) + 1}.{mac}"}),
        "a mac cut short": (client, {"csrf_token": f"{issued}.{mac[:-2]}"}),
        "not a token": (client, {"csrf_token": "x" * 40}),
        "not ASCII": (client, {"csrf_token": f"{issued}.{mac[:-1]}é"}),
        "digits of another script": (client, {"csrf_token": f"١٢٣.{mac}"}),
        "no cookie at all": (app.test_client(), {"csrf_token": token}),
    }
    for what, (browser, form) in refused.items():
        answer = browser.post("/sign", data=form)
        assert answer.status_code == 400, what
        assert "tải lại trang" in answer.get_data(as_text=True), what
    assert client.post("/sign", data={"csrf_token": token}).status_code == 200


def test_a_forged_cookie_value_is_only_a_new_browser(app):
    client, token, _ = new_reader(app)
    client.set_cookie("site_reader", "A" * 24)  # a value of the right shape, not the one the token was made for
    assert client.post("/sign", data={"csrf_token": token}).status_code == 400
    client.set_cookie("site_reader", "<script>" * 4)  # not of its shape: as if absent
    assert client.post("/sign", data={"csrf_token": token}).status_code == 400


def test_a_token_outlives_a_key_rotation_while_the_old_key_is_a_fallback(site_app_factory, app):
    client, token, _ = new_reader(app)
    cookie = client.get_cookie("site_reader").value

    def post_with_keys(secret: str, fallbacks: list[str]) -> int:
        other = site_app_factory({"PLUGINS": {"enabled": []}, "SECRET_KEY": secret, "SECRET_KEY_FALLBACKS": fallbacks,
                                  "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]},
                                 create_tables=False)
        other.add_url_rule("/sign", "sign", reader_form(lambda: "ok"), methods=["POST"])
        browser = other.test_client()
        browser.set_cookie("site_reader", cookie)
        return browser.post("/sign", data={"csrf_token": token}).status_code

    assert post_with_keys("n" * 32, [app.config["SECRET_KEY"]]) == 200  # rotated, the old key kept as a fallback
    assert post_with_keys("m" * 32, []) == 400  # the old key forgotten


def test_a_token_older_than_the_time_limit_is_refused(app, monkeypatch):
    client, token, _ = new_reader(app)
    limit = app.config["WTF_CSRF_TIME_LIMIT"]
    monkeypatch.setattr(time, "time", lambda real=time.time: real() + limit - 60)
    assert client.post("/sign", data={"csrf_token": token}).status_code == 200
    monkeypatch.setattr(time, "time", lambda real=time.time: real() + 120)  # now past the limit
    answer = client.post("/sign", data={"csrf_token": token})
    assert answer.status_code == 400 and "expired" in answer.get_data(as_text=True)


def test_over_https_the_cookie_is_host_only_and_the_referer_must_be_this_site(site_app_factory):
    app = site_app_factory({"PLUGINS": {"enabled": []}, "SITE_HTTPS": True})
    app.add_url_rule("/form", "form", lambda: render_template_string(FORM))
    app.add_url_rule("/sign", "sign", reader_form(lambda: "ok"), methods=["POST"])
    client, token, page = new_reader(app, base_url="https://localhost")
    (cookie,) = page.headers.getlist("Set-Cookie")
    assert cookie.startswith("__Host-site_reader=") and "Secure" in cookie
    for referer, status in [(None, 400), ("https://evil.example/form", 400), ("https://localhost:8443/form", 400),
                            ("http://localhost/form", 400), ("https://localhost/form", 200)]:
        headers = {"Referer": referer} if referer else {}
        answer = client.post("/sign", data={"csrf_token": token}, headers=headers, base_url="https://localhost")
        assert answer.status_code == status, referer


def test_checks_off_lets_the_post_through_and_other_methods_are_not_checked(site_app_factory):
    app = site_app_factory({"PLUGINS": {"enabled": []}, "WTF_CSRF_ENABLED": False})
    app.add_url_rule("/sign", "sign", reader_form(lambda: "ok"), methods=["GET", "POST"])
    assert app.test_client().post("/sign").status_code == 200
    checked = site_app_factory({"PLUGINS": {"enabled": []}})
    checked.add_url_rule("/sign", "sign", reader_form(lambda: "ok"), methods=["GET", "POST"])
    assert checked.test_client().get("/sign").status_code == 200
    assert checked.test_client().post("/sign").status_code == 400


def test_a_theme_drawing_a_reader_token_outside_a_per_reader_part_is_never_kept(site_app_factory, tmp_path,
                                                                                make_article):
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "article.html").write_text('{% extends "base.html" %}{% block content %}' + FORM + '{% endblock %}',
                                        encoding="utf-8")
    app = site_app_factory({"PLUGINS": {"enabled": []}, "THEME_FOLDER": str(theme)})
    article = make_article(app)
    tokens = {form_token(app.test_client().get(f"/bai-viet/{article.slug}").get_data(as_text=True))
              for _ in range(3)}
    assert len(tokens) == 3 and page_cache.store(app).stats()["pages"] == 0
