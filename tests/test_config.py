"""Configuration: sources in order, and clear errors naming the key."""
import importlib.metadata
import importlib.resources
import os
import stat
from zoneinfo import ZoneInfoNotFoundError

import pytest
from packaging.version import Version

from site_core import create_app
from site_core.config import ConfigError

STRONG = "k" * 32


@pytest.fixture
def instance(tmp_path, monkeypatch):
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setenv("SITE_INSTANCE_PATH", str(folder))
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    return folder


def production(**config):
    return create_app({"PLUGINS": {"enabled": []}, **config})


@pytest.mark.parametrize("secret", [None, "", "dev", "short-but-not-32-bytes", "x" * 31])
def test_production_refuses_a_missing_or_weak_secret_key(instance, secret):
    config = {} if secret is None else {"SECRET_KEY": secret}
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        production(**config)


def test_production_starts_with_a_strong_key_and_is_not_in_debug(instance):
    app = production(SECRET_KEY=STRONG)
    assert app.debug is False and app.testing is False


def test_development_generates_a_secret_into_the_instance_folder_and_keeps_it(instance, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    first = create_app({"PLUGINS": {"enabled": []}})
    key_file = instance / "secret_key"
    assert len(first.secret_key) >= 64 and key_file.read_text().strip() == first.secret_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert create_app({"PLUGINS": {"enabled": []}}).secret_key == first.secret_key


def test_the_config_file_environment_and_mapping_apply_in_that_order(instance, monkeypatch):
    (instance / "config.toml").write_text(
        f'SECRET_KEY = "{STRONG}"\nSITE_NAME = "Từ tệp"\nPER_PAGE = 7\nSITE_DESCRIPTION = "Mô tả"\n', encoding="utf-8")
    monkeypatch.setenv("FLASK_SITE_NAME", "Từ môi trường")
    monkeypatch.setenv("FLASK_PER_PAGE", "8")
    app = production()
    assert (app.config["SITE_NAME"], app.config["PER_PAGE"], app.config["SITE_DESCRIPTION"]) == ("Từ môi trường", 8, "Mô tả")
    assert production(PER_PAGE=9).config["PER_PAGE"] == 9


def test_without_a_config_file_every_default_works(instance):
    app = production(SECRET_KEY=STRONG)
    assert app.config["SITE_TIMEZONE"] == "Asia/Ho_Chi_Minh"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'site.db'}"


def test_invalid_toml_names_the_file(instance):
    (instance / "config.toml").write_text("SITE_NAME = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="config.toml: not valid TOML"):
        production(SECRET_KEY=STRONG)


@pytest.mark.parametrize("key, value", [
    ("PER_PAGE", "ten"), ("PER_PAGE", 0), ("PER_PAGE", True), ("SITE_HTTPS", "yes"),
    ("PLUGINS", ["visit_counter"]), ("TRUSTED_PROXY_COUNT", -1), ("IMAGE_HOSTS", "a.example"),
    ("MAX_FORM_PARTS", "lots"), ("SITE_LOCALE", "xx_NOPE"), ("SITE_LOCALE", "vi-VN"), ("TRUSTED_HOSTS", 5),
    ("TRUSTED_HOSTS", ["ok.example", 5]), ("SESSION_COOKIE_SAMESITE", "lax"), ("CACHE_DEFAULT_TIMEOUT", -1),
    ("SECRET_KEY_FALLBACKS", "k" * 32), ("PREFERRED_URL_SCHEME", "ftp"),
])
def test_a_wrong_value_stops_startup_naming_its_key(instance, key, value):
    with pytest.raises(ConfigError, match=key):
        production(SECRET_KEY=STRONG, **{key: value})


@pytest.mark.parametrize("line, key", [
    ('MAX_FORM_PARTS = "lots"', "MAX_FORM_PARTS"), ('SITE_LOCALE = "xx_NOPE"', "SITE_LOCALE"),
    ("TRUSTED_HOSTS = 5", "TRUSTED_HOSTS"), ("SQLITE_BUSY_TIMEOUT_MS = 0", "SQLITE_BUSY_TIMEOUT_MS"),
])
def test_a_wrong_value_in_the_config_file_stops_startup_with_one_line_saying_what_to_use(instance, line, key):
    (instance / "config.toml").write_text(f'SECRET_KEY = "{STRONG}"\n{line}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        production()
    message = str(error.value)
    assert message.startswith(key) and ": use " in message and "\n" not in message


def test_a_locale_babel_knows_is_accepted_and_used_for_numbers(instance):
    from site_core.formatting import format_number

    app = production(SECRET_KEY=STRONG, SITE_LOCALE="en_US")
    with app.app_context():
        assert format_number(2171121) == "2,171,121"


def test_a_secret_in_a_wrong_value_is_never_echoed(instance):
    (instance / "config.toml").write_text(f'SECRET_KEY = "{STRONG}"\nSECRET_KEY_FALLBACKS = "my-old-secret"\n')
    with pytest.raises(ConfigError, match="SECRET_KEY_FALLBACKS") as error:
        production()
    assert "my-old-secret" not in str(error.value)


@pytest.mark.parametrize("written, meant", [
    ("PER_PAGEE", "PER_PAGE"), ("SITE_NAMe", "SITE_NAME"), ("site_name", "SITE_NAME"),
    ("TRUSTED_HOST", "TRUSTED_HOSTS"), ("SQLALCHEMY_DATABASE_URL", "SQLALCHEMY_DATABASE_URI"),
    ("CACHE_REDIS_ULR", "CACHE_REDIS_URL"),
])
def test_a_misspelled_key_in_the_config_file_is_refused_with_the_key_it_resembles(instance, written, meant):
    (instance / "config.toml").write_text(f'SECRET_KEY = "{STRONG}"\n{written} = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=f"unknown key '{written}'; did you mean {meant}\\?"):
        production()


def test_a_key_resembling_nothing_points_to_the_example_config(instance):
    (instance / "config.toml").write_text(f'SECRET_KEY = "{STRONG}"\nQWXZ = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key 'QWXZ'; see instance/config.example.toml"):
        production()


def test_flasks_and_its_extensions_own_keys_are_known(instance):
    (instance / "config.toml").write_text(f'''SECRET_KEY = "{STRONG}"
PERMANENT_SESSION_LIFETIME = 86400
SESSION_COOKIE_DOMAIN = "truongchinhtri.thanhhoa.gov.vn"
SEND_FILE_MAX_AGE_DEFAULT = 3600
SQLALCHEMY_ECHO = false
SQLALCHEMY_RECORD_QUERIES = false
WTF_CSRF_SSL_STRICT = true
WTF_CSRF_FIELD_NAME = "csrf_token"
CACHE_THRESHOLD = 1000
CACHE_KEY_PREFIX = "truongchinhtri:"
[SQLALCHEMY_ENGINE_OPTIONS]
pool_pre_ping = true
''', encoding="utf-8")
    config = production().config
    assert (config["SESSION_COOKIE_DOMAIN"], config["CACHE_THRESHOLD"]) == ("truongchinhtri.thanhhoa.gov.vn", 1000)
    assert config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


@pytest.mark.parametrize("written, parsed", [
    ("oldkey", ["oldkey"]), ("old-one, old-two", ["old-one", "old-two"]),
    ('["old,with,commas"]', ["old,with,commas"]), ("", []),
])
def test_a_list_from_the_environment_is_comma_separated_or_a_json_array(instance, monkeypatch, written, parsed):
    monkeypatch.setenv("FLASK_SECRET_KEY_FALLBACKS", written)
    assert production(SECRET_KEY=STRONG).config["SECRET_KEY_FALLBACKS"] == parsed


def test_a_retired_key_from_the_environment_is_one_key_not_its_letters(instance, monkeypatch):
    from flask import Flask, session
    from flask.sessions import SecureCookieSessionInterface

    monkeypatch.setenv("FLASK_SECRET_KEY", STRONG)
    monkeypatch.setenv("FLASK_SECRET_KEY_FALLBACKS", "oldkey")
    app = production()
    app.add_url_rule("/who", "who", lambda: session.get("reader", "nobody"))

    def signed_with(key: str) -> str:
        signer = Flask("signer")
        signer.secret_key = key
        return SecureCookieSessionInterface().get_signing_serializer(signer).dumps({"reader": "an"})

    def reader(cookie: str) -> str:
        client = app.test_client()
        client.set_cookie("session", cookie)
        return client.get("/who").get_data(as_text=True)

    assert reader(signed_with("oldkey")) == "an"
    assert reader(signed_with("o")) == "nobody"


@pytest.mark.parametrize("variable, written, parsed", [
    ("FLASK_PER_PAGE", "8", 8), ("FLASK_SITE_HTTPS", "true", True), ("FLASK_SITE_HTTPS", "0", False),
    ("FLASK_TRUSTED_HOSTS", "a.example,b.example", ["a.example", "b.example"]),
    ("FLASK_MAX_FORM_PARTS", "50", 50), ("FLASK_SITE_NAME", "123", "123"), ("FLASK_SITE_NAME", "true", "true"),
    ("FLASK_PLUGINS", '{"enabled": []}', {"enabled": []}), ("FLASK_CACHE_THRESHOLD", "10", 10),
])
def test_environment_values_are_read_by_the_keys_declared_type(instance, monkeypatch, variable, written, parsed):
    monkeypatch.setenv(variable, written)
    app = create_app({"SECRET_KEY": STRONG})
    assert app.config[variable.removeprefix("FLASK_")] == parsed


@pytest.mark.parametrize("variable, written, message", [
    ("FLASK_PER_PAGE", "ten", "FLASK_PER_PAGE='ten' is wrong: use a whole number"),
    ("FLASK_SITE_HTTPS", "maybe", "FLASK_SITE_HTTPS='maybe' is wrong: use true or false"),
    ("FLASK_MAX_FORM_PARTS", "lots", "FLASK_MAX_FORM_PARTS='lots' is wrong"),
    ("FLASK_PLUGINS", "visit_counter", "FLASK_PLUGINS='visit_counter' is wrong: use a table"),
    ("FLASK_PER_PAGEE", "3", "environment variable FLASK_PER_PAGEE: unknown key 'PER_PAGEE'; did you mean PER_PAGE"),
])
def test_a_wrong_environment_value_stops_startup_naming_the_variable(instance, monkeypatch, variable, written, message):
    monkeypatch.setenv(variable, written)
    with pytest.raises(ConfigError) as error:
        production(SECRET_KEY=STRONG)
    assert message in str(error.value)


def test_one_entry_of_a_table_can_come_from_the_environment(instance, monkeypatch):
    (instance / "config.toml").write_text(
        f'SECRET_KEY = "{STRONG}"\n[SQLALCHEMY_ENGINE_OPTIONS]\npool_pre_ping = true\n', encoding="utf-8")
    monkeypatch.setenv("FLASK_SQLALCHEMY_ENGINE_OPTIONS__pool_recycle", "300")
    options = production().config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert (options["pool_pre_ping"], options["pool_recycle"]) == (True, 300)


def test_the_flask_commands_own_variables_are_not_configuration(instance, monkeypatch):
    for variable in ("FLASK_APP", "FLASK_RUN_PORT", "FLASK_RUN_FROM_CLI", "FLASK_SKIP_DOTENV"):
        monkeypatch.setenv(variable, "wsgi")
    config = production(SECRET_KEY=STRONG).config
    assert not {"APP", "RUN_PORT", "RUN_FROM_CLI", "SKIP_DOTENV"} & set(config)


def test_an_unknown_time_zone_names_the_setting(instance):
    with pytest.raises(ZoneInfoNotFoundError, match="SITE_TIMEZONE"):
        production(SECRET_KEY=STRONG, SITE_TIMEZONE="Asia/Hanoi_City")


def test_the_example_config_documents_every_key_and_loads(instance):
    from site_core.config import DEFAULTS

    example = (importlib.resources.files("site_core").parent / "instance" / "config.example.toml")
    text = example.read_text(encoding="utf-8")
    for key in set(DEFAULTS) - {"SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE"}:
        assert key in text, f"{key} missing from config.example.toml"
    (instance / "config.toml").write_text(text.replace('# SECRET_KEY = ""', f'SECRET_KEY = "{STRONG}"'), encoding="utf-8")
    assert create_app().config["SITE_TIMEZONE"] == "Asia/Ho_Chi_Minh"


def test_flask_is_recent_enough_for_key_rotation():
    assert Version(importlib.metadata.version("flask")) >= Version("3.1.1")  # CVE-2025-47278


def test_sessions_signed_with_a_retired_key_still_load_until_it_is_removed(site_app_factory):
    from flask import session

    old = site_app_factory({"SECRET_KEY": "o" * 32})

    @old.get("/set")
    def set_value():
        session["reader"] = "an"
        return "ok"

    client = old.test_client()
    client.get("/set")
    cookie = client.get_cookie("session").value

    def read_with(config):
        app = site_app_factory(config)
        app.add_url_rule("/get", "get", lambda: session.get("reader", "none"))
        other = app.test_client()
        other.set_cookie("session", cookie)
        return other.get("/get").get_data(as_text=True)

    assert read_with({"SECRET_KEY": "n" * 32, "SECRET_KEY_FALLBACKS": ["o" * 32]}) == "an"
    assert read_with({"SECRET_KEY": "n" * 32}) == "none"


def test_the_example_config_documents_every_setting_of_the_built_in_plugins(site_app_factory):
    from site_core import plugins

    example = (importlib.resources.files("site_core").parent / "instance" / "config.example.toml").read_text()
    app = site_app_factory({"PLUGINS": {}})
    built_in = [p for p in plugins.get(app).enabled if p.distribution in
                ("site-visit-counter", "site-survey-poll", "site-related-news")]
    if not built_in:
        pytest.skip("no built-in plugin is installed (pip install -r requirements.txt)")
    for plugin in built_in:
        section = example.split(f"[PLUGINS.{plugin.name}]", 1)[1].split("\n[", 1)[0]
        for key in plugin.settings:
            assert f"# {key} = " in section, f"[PLUGINS.{plugin.name}] {key} is not documented"


def test_the_pool_reuses_the_most_recent_connection_unless_the_admin_says_otherwise(site_app_factory):
    from site_core.db import db

    def reused_after_two_checkouts(app):
        with app.app_context():
            with db.engine.connect() as first, db.engine.connect() as second:
                ids = {id(first.connection.dbapi_connection): "first", id(second.connection.dbapi_connection): "second"}
            # "second" went back to the pool before "first"
            with db.engine.connect() as again:
                return ids[id(again.connection.dbapi_connection)]

    assert reused_after_two_checkouts(site_app_factory({})) == "first"  # warm SQLite page cache
    fifo = site_app_factory({"SQLALCHEMY_ENGINE_OPTIONS": {"pool_use_lifo": False}})
    assert reused_after_two_checkouts(fifo) == "second"
