"""Secure by default (SECURITY.md parts A and G): headers, cookies, hosts, errors."""
import logging

import pytest
from flask import session


def headers_ok(response, https=False):
    csp = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'self'", "script-src 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    if https:
        assert int(response.headers["Strict-Transport-Security"].split("max-age=")[1].split(";")[0]) >= 31536000


@pytest.fixture
def app(site_app_factory, install_plugin):
    install_plugin("crashy", '''
from site_core import Widget, hookimpl

@hookimpl
def site_widgets():
    return [Widget(title="Crashy", render=lambda page: 1 / 0)]
''')
    app = site_app_factory({"PLUGINS": {"enabled": ["crashy"]}, "PROPAGATE_EXCEPTIONS": False})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret-marker: password=hunter2")

    @app.post("/echo")
    def echo():
        from flask import request
        return str(len(request.form))

    @app.get("/login")
    def login():
        session["reader"] = 1
        return "ok"

    return app


@pytest.mark.parametrize("method, url, code", [
    ("get", "/", 200), ("get", "/khong-co", 404), ("post", "/", 405), ("get", "/boom", 500),
    ("get", "/static/site.css", 200),
])
def test_every_response_carries_the_security_headers(app, method, url, code):
    response = getattr(app.test_client(), method)(url)
    assert response.status_code == code
    headers_ok(response)


def test_a_page_with_a_failing_widget_still_has_the_headers(app):
    response = app.test_client().get("/")
    assert 'data-widget-error="crashy"' in response.get_data(as_text=True)
    headers_ok(response)


def test_https_sites_send_hsts_and_secure_host_only_session_cookies(site_app_factory):
    app = site_app_factory({"SITE_HTTPS": True})
    app.add_url_rule("/login", "login", lambda: session.update(reader=1) or "ok")
    response = app.test_client().get("/login", base_url="https://localhost")
    headers_ok(response, https=True)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in cookie
    assert "Domain=" not in cookie


def test_plain_http_session_cookies_are_httponly_and_samesite_lax(app):
    cookie = app.test_client().get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_an_unhandled_error_shows_a_generic_page_and_logs_the_details(app, caplog):
    response = app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500 and "Lỗi máy chủ" in body
    assert "secret-marker" not in body and "Traceback" not in body and "hunter2" not in body
    assert any("secret-marker" in (r.exc_text or "") or (r.exc_info and "secret-marker" in str(r.exc_info[1]))
               for r in caplog.records)


def test_a_foreign_host_is_refused_when_trusted_hosts_are_set(site_app_factory):
    app = site_app_factory({"TRUSTED_HOSTS": ["truongchinhtri.example.vn"]})
    client = app.test_client()
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "truongchinhtri.example.vn"}).status_code == 200


def test_oversized_bodies_and_too_many_fields_are_refused(app):
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/echo", data={"x": "a" * (2 * 1024 * 1024)}).status_code == 413
    fields = {f"f{i}": "1" for i in range(2000)}
    assert client.post("/echo", data=fields, content_type="multipart/form-data").status_code == 413
    assert client.post("/echo", data=fields).status_code == 413  # urlencoded: werkzeug alone would accept it
    assert client.post("/echo", data={"x": "1"}).get_data(as_text=True) == "1"


def test_a_post_without_csrf_token_is_refused_politely(app):
    response = app.test_client().post("/echo", data={"x": "1"})
    assert response.status_code == 400
    assert "tải lại trang" in response.get_data(as_text=True)


def test_an_unreachable_database_answers_503_with_a_generic_page(site_app_factory, tmp_path, caplog):
    app = site_app_factory({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/site.db"},
                           create_tables=False)
    response = app.test_client().get("/")
    body = response.get_data(as_text=True)
    assert response.status_code == 503 and "Tạm thời gián đoạn" in body
    assert "sqlite" not in body.lower() and "missing" not in body
    headers_ok(response)
    assert any(r.levelno == logging.ERROR and "database unavailable" in r.getMessage() for r in caplog.records)


def test_an_unreachable_postgresql_server_answers_503(site_app_factory):
    pytest.importorskip("psycopg")
    app = site_app_factory({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/none"
                                                       "?connect_timeout=2"}, create_tables=False)
    assert app.test_client().get("/").status_code == 503


def test_proxy_headers_are_ignored_unless_proxies_are_trusted(site_app_factory):
    from flask import request

    def client_address():
        return request.remote_addr

    direct = site_app_factory({})
    direct.add_url_rule("/ip", "ip", client_address)
    forged = {"X-Forwarded-For": "1.2.3.4"}
    assert direct.test_client().get("/ip", headers=forged, environ_base={"REMOTE_ADDR": "10.0.0.9"}).data == b"10.0.0.9"

    proxied = site_app_factory({"TRUSTED_PROXY_COUNT": 1})
    proxied.add_url_rule("/ip", "ip", client_address)
    response = proxied.test_client().get("/ip", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.7"},
                                         environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.data == b"203.0.113.7"  # only the value our own proxy appended
