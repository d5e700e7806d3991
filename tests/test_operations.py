"""For browsers and monitoring: /favicon.ico and /-/health."""
import json

import pytest

from site_core.config import ConfigError

FAILING = "raise ImportError('no such module: chart_lib')"


def test_the_default_favicon_is_served_and_announced(site_client):
    response = site_client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert '<link rel="icon" href="/favicon.ico">' in site_client.get("/").get_data(as_text=True)


def test_a_site_names_its_own_favicon(site_app_factory, tmp_path):
    instance = tmp_path / "site"
    instance.mkdir()
    (instance / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\nlogo")
    response = site_app_factory({"FAVICON": "logo.png"}, instance=instance).test_client().get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data == b"\x89PNG\r\n\x1a\nlogo"


def test_a_missing_favicon_file_stops_startup_naming_the_key(site_app_factory):
    with pytest.raises(ConfigError, match="FAVICON"):
        site_app_factory({"FAVICON": "khong-co.ico"}, create_tables=False)


def health(app):
    response = app.test_client().get("/-/health")
    assert response.mimetype == "application/json" and response.headers["Cache-Control"] == "no-store"
    body = json.loads(response.data)
    assert set(body.pop("page_cache")) == {"pages", "bytes", "limit", "hits", "misses", "evictions"}
    return response.status_code, body


def test_health_reports_the_page_cache_of_the_worker_that_answers(site_app_factory, make_article):
    app = site_app_factory({"PLUGINS": {"enabled": []}, "PAGE_CACHE_BYTES": 1_000_000})
    article = make_article(app)
    client = app.test_client()
    for _ in range(3):
        client.get(f"/bai-viet/{article.slug}")
    kept = json.loads(client.get("/-/health").data)["page_cache"]
    assert kept["pages"] == 1 and kept["hits"] == 2 and kept["misses"] == 1 and kept["limit"] == 1_000_000
    assert 0 < kept["bytes"] <= kept["limit"] and kept["evictions"] == 0
    off = site_app_factory({"PLUGINS": {"enabled": []}, "PAGE_CACHE": False})
    assert json.loads(off.test_client().get("/-/health").data)["page_cache"] is None


def test_a_healthy_site_says_ok(site_app):
    assert health(site_app) == (200, {"status": "ok", "database": "ok", "migrations": "ok", "plugins_failed": 0})


def test_an_unreachable_database_is_503_and_names_nothing_secret(site_app_factory, tmp_path, caplog):
    url = f"sqlite:///{tmp_path}/missing/dir/site.db"
    code, body = health(site_app_factory({"SQLALCHEMY_DATABASE_URI": url}, create_tables=False))
    assert code == 503 and body == {"status": "error", "database": "unreachable", "migrations": "unknown",
                                    "plugins_failed": 0}
    assert any("health: database unreachable" in r.getMessage() for r in caplog.records)


def test_an_unreachable_postgresql_server_is_503(site_app_factory):
    pytest.importorskip("psycopg")
    app = site_app_factory({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody:secret@127.0.0.1:9/none"
                                                       "?connect_timeout=2"}, create_tables=False)
    response = app.test_client().get("/-/health")
    assert response.status_code == 503 and json.loads(response.data)["database"] == "unreachable"
    assert b"secret" not in response.data and b"127.0.0.1" not in response.data


def test_a_database_not_yet_upgraded_is_503_until_init_db(site_app_factory):
    app = site_app_factory(create_tables=False)
    assert health(app) == (503, {"status": "error", "database": "ok", "migrations": "pending", "plugins_failed": 0})
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    assert health(app)[0] == 200


def test_a_failed_plugin_is_counted_but_the_site_stays_healthy(install_plugin, site_app_factory):
    install_plugin("bieu_do", FAILING)
    code, body = health(site_app_factory({"PLUGINS": {"enabled": ["bieu_do"]}, "PLUGINS_STRICT": False}))
    assert code == 200 and body["status"] == "ok" and body["plugins_failed"] == 1
    assert "chart_lib" not in json.dumps(body) and "bieu_do" not in json.dumps(body)
