"""Configuration: defaults, loading, validation.

Order, later wins: the defaults below, ``instance/config.toml``,
``FLASK_``-prefixed environment variables, the mapping given to
``create_app``. :class:`Schema` declares every key the core and Flask read,
with its type and bounds; the extensions' own keys are known too
(:data:`EXTENSION_KEYS`). A wrong value, or a key the site does not know in
the file or the environment, stops start-up with one line naming the key.

Environment values are read by the key's declared type: text as written;
``true``/``false`` (or ``1``/``0``); numbers; lists as a JSON array or
comma-separated (``FLASK_SECRET_KEY_FALLBACKS=old1,old2``); tables as a
JSON object. ``FLASK_KEY__ENTRY=value`` sets one entry of a table (JSON if
it parses, else text), e.g. ``FLASK_SQLALCHEMY_ENGINE_OPTIONS__pool_size=4``.
"""
from __future__ import annotations

import copy
import difflib
import json
import os
import secrets
import tomllib
import types
from collections.abc import Mapping, MutableMapping
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

WEAK_SECRETS = {"dev", "secret", "changeme", "change-me", "development", "test"}
MIN_SECRET_BYTES = 32
PREFIX = "FLASK_"
# FLASK_APP, FLASK_DEBUG, FLASK_RUN_PORT...: read by the flask command itself, not configuration.
COMMAND_VARIABLES = {"APP", "DEBUG", "ENV", "SKIP_DOTENV"}


class ConfigError(RuntimeError):
    """A configuration value is missing or wrong; the message names the key."""


class UnknownTimeZone(ConfigError, ZoneInfoNotFoundError):
    """``SITE_TIMEZONE`` names no time zone (also what :mod:`zoneinfo` raises)."""

    __str__ = RuntimeError.__str__


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZone(f"SITE_TIMEZONE: unknown time zone {name!r}; "
                              "expected an IANA name such as 'Asia/Ho_Chi_Minh'") from None
    return name


def _locale(name: str) -> str:
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"Babel knows no locale {name!r}") from None
    return name


Text = Annotated[str, Field(min_length=1)]
Seconds = Union[int, timedelta]


class Schema(BaseModel):
    """Every key the core and Flask read: type, bounds, and (core keys) default."""

    model_config = ConfigDict(strict=True, extra="ignore")

    # The site's own keys (instance/config.example.toml documents each).
    SITE_NAME: Text = Field("Trường Chính trị tỉnh Thanh Hóa", description="the site's name, as text")
    SITE_DESCRIPTION: str = Field("Cổng thông tin điện tử Trường Chính trị tỉnh Thanh Hóa",
                                  description="a sentence of text")
    SITE_TIMEZONE: Annotated[str, AfterValidator(_time_zone)] = Field(
        "Asia/Ho_Chi_Minh", description="an IANA time zone name such as 'Asia/Ho_Chi_Minh'")
    SITE_LOCALE: Annotated[str, AfterValidator(_locale)] = Field(
        "vi_VN", description="a locale Babel knows, such as 'vi_VN' or 'en_US'")
    SITE_HTTPS: bool = Field(False, description="true or false")
    PER_PAGE: int = Field(15, ge=1, le=100, description="a whole number from 1 to 100")
    MENU: Any = Field(None, description="a list of menu items, checked by site_core.menu")
    SQLALCHEMY_DATABASE_URI: str | None = Field(
        None, description="a database URL such as 'postgresql+psycopg://user:password@host/db'")
    SQLITE_BUSY_TIMEOUT_MS: int = Field(5000, ge=1, description="milliseconds, a whole number of at least 1")
    PLUGINS: dict[str, Any] = Field({}, description="a table ([PLUGINS])")
    PLUGINS_STRICT: bool = Field(False, description="true or false")
    PLUGINS_INTROSPECTION: bool = Field(False, description="true or false")
    TRUSTED_PROXY_COUNT: int = Field(
        0, ge=0, le=10, description="the number of proxies in front of the site, 0 (none) to 10")
    TRUSTED_HOSTS: list[Text] | None = Field(
        None, description="a list of host names such as ['truongchinhtri.thanhhoa.gov.vn']")
    IMAGE_HOSTS: list[Text] = Field([], description="a list of host names such as ['images.example.vn']")
    MAX_CONTENT_LENGTH: int = Field(1024 * 1024, ge=1, description="bytes, a whole number of at least 1")
    MAX_FORM_PARTS: int | None = Field(200, ge=1, description="a whole number of form fields, at least 1")
    CACHE_TYPE: Text = Field("SimpleCache", description="a Flask-Caching type such as 'SimpleCache' or 'RedisCache'")
    CACHE_DEFAULT_TIMEOUT: int = Field(300, ge=0, description="seconds, a whole number (0: no expiry)")
    SESSION_COOKIE_HTTPONLY: bool = Field(True, description="true or false")
    SESSION_COOKIE_SAMESITE: Literal["Lax", "Strict", "None"] | None = Field(
        "Lax", description="'Lax', 'Strict' or 'None'")
    WTF_CSRF_TIME_LIMIT: int | None = Field(3600 * 6, ge=1, description="seconds, a whole number of at least 1")
    THEME_FOLDER: str = Field("", description="a folder path, relative to the instance folder "
                              "(empty: templates/ beside the instance folder)")
    FAVICON: str = Field("", description="an image file path, relative to the instance folder "
                         "(empty: the core's favicon)")
    FEED_SIZE: int = Field(20, ge=1, le=500, description="articles per feed, a whole number from 1 to 500")
    SITEMAP_MAX_URLS: int = Field(50_000, ge=1, le=50_000,
                                  description="a whole number from 1 to 50000 (the sitemaps.org limit)")
    PRIVACY_CONTACT: str = Field("", description="text: whom readers contact about their data")
    PAGE_CACHE: bool = Field(True, description="true or false")
    PAGE_CACHE_BYTES: int = Field(64 * 1024 * 1024, ge=0, description="bytes per worker, a whole number")

    # Flask's and its extensions' keys the site relies on (their defaults are Flask's).
    SECRET_KEY: str | bytes | None = Field(None, description="at least 32 random bytes")
    SECRET_KEY_FALLBACKS: list[str | bytes] | None = Field(
        None, description="a list of retired keys, e.g. ['old key']")
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = Field({}, description="a table of SQLAlchemy engine options")
    CACHE_KEY_PREFIX: str | None = Field(None, description="text such as 'truongchinhtri:'")
    CACHE_REDIS_URL: str | None = Field(None, description="a URL such as 'redis://127.0.0.1:6379/0'")
    WTF_CSRF_ENABLED: bool = Field(True, description="true or false")
    WTF_CSRF_SSL_STRICT: bool = Field(True, description="true or false")
    DEBUG: bool = Field(False, description="true or false")
    TESTING: bool = Field(False, description="true or false")
    PROPAGATE_EXCEPTIONS: bool | None = Field(None, description="true or false")
    PERMANENT_SESSION_LIFETIME: Seconds = Field(0, description="seconds, a whole number")
    USE_X_SENDFILE: bool = Field(False, description="true or false")
    SERVER_NAME: str | None = Field(None, description="a host name, with a port if not 80 or 443")
    APPLICATION_ROOT: str = Field("/", description="a path such as '/'")
    SESSION_COOKIE_NAME: Text = Field("session", description="a cookie name")
    SESSION_COOKIE_DOMAIN: str | None = Field(None, description="a domain name")
    SESSION_COOKIE_PATH: str | None = Field(None, description="a path such as '/'")
    SESSION_COOKIE_SECURE: bool = Field(False, description="true or false")
    SESSION_COOKIE_PARTITIONED: bool = Field(False, description="true or false")
    SESSION_REFRESH_EACH_REQUEST: bool = Field(True, description="true or false")
    MAX_FORM_MEMORY_SIZE: int | None = Field(None, ge=1, description="bytes, a whole number of at least 1")
    SEND_FILE_MAX_AGE_DEFAULT: Seconds | None = Field(None, description="seconds, a whole number")
    TRAP_BAD_REQUEST_ERRORS: bool | None = Field(None, description="true or false")
    TRAP_HTTP_EXCEPTIONS: bool = Field(False, description="true or false")
    EXPLAIN_TEMPLATE_LOADING: bool = Field(False, description="true or false")
    PREFERRED_URL_SCHEME: Literal["http", "https"] = Field("http", description="'http' or 'https'")
    TEMPLATES_AUTO_RELOAD: bool | None = Field(None, description="true or false")
    MAX_COOKIE_SIZE: int = Field(4093, ge=0, description="bytes, a whole number")
    PROVIDE_AUTOMATIC_OPTIONS: bool = Field(True, description="true or false")


# The core's keys and their defaults (Flask's own keys keep Flask's defaults).
CORE_KEYS = ("SITE_NAME", "SITE_DESCRIPTION", "SITE_TIMEZONE", "SITE_LOCALE", "SITE_HTTPS", "PER_PAGE", "MENU",
             "SQLALCHEMY_DATABASE_URI", "SQLITE_BUSY_TIMEOUT_MS", "PLUGINS", "PLUGINS_STRICT",
             "PLUGINS_INTROSPECTION", "TRUSTED_PROXY_COUNT", "TRUSTED_HOSTS", "IMAGE_HOSTS",
             "MAX_CONTENT_LENGTH", "MAX_FORM_PARTS", "CACHE_TYPE", "CACHE_DEFAULT_TIMEOUT",
             "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "WTF_CSRF_TIME_LIMIT",
             "THEME_FOLDER", "FAVICON", "FEED_SIZE", "SITEMAP_MAX_URLS", "PRIVACY_CONTACT", "PAGE_CACHE",
             "PAGE_CACHE_BYTES")
DEFAULTS = {name: Schema.model_fields[name].default for name in CORE_KEYS}

# Read by the extensions the core uses, which check their own values
# (Flask-Migrate reads none of its own).
EXTENSION_KEYS = {
    "Flask-SQLAlchemy": "SQLALCHEMY_BINDS SQLALCHEMY_ECHO SQLALCHEMY_RECORD_QUERIES SQLALCHEMY_TRACK_MODIFICATIONS",
    "Flask-WTF": "WTF_CSRF_CHECK_DEFAULT WTF_CSRF_FIELD_NAME WTF_CSRF_HEADERS WTF_CSRF_META_NAME "
                 "WTF_CSRF_METHODS WTF_CSRF_SECRET_KEY WTF_I18N_ENABLED RECAPTCHA_DATA_ATTRS "
                 "RECAPTCHA_DIV_CLASS RECAPTCHA_ENABLED RECAPTCHA_HTML RECAPTCHA_PARAMETERS "
                 "RECAPTCHA_PRIVATE_KEY RECAPTCHA_PUBLIC_KEY RECAPTCHA_SCRIPT RECAPTCHA_VERIFY_SERVER",
    "Flask-Caching": "CACHE_ARGS CACHE_DIR CACHE_ENABLE_SIGNALS CACHE_FILE_HASH_METHOD CACHE_GCS_BUCKET "
                     "CACHE_HASH_METHOD CACHE_IGNORE_ERRORS CACHE_MEMCACHED_PASSWORD CACHE_MEMCACHED_SERVERS "
                     "CACHE_MEMCACHED_USERNAME CACHE_NO_NULL_WARNING CACHE_OPTIONS CACHE_REDIS_CLUSTER "
                     "CACHE_REDIS_DB CACHE_REDIS_HOST CACHE_REDIS_PASSWORD CACHE_REDIS_PORT "
                     "CACHE_REDIS_SENTINELS CACHE_REDIS_SENTINEL_MASTER CACHE_REDIS_SENTINEL_PASSWORD "
                     "CACHE_SERIALIZER CACHE_SOURCE_CHECK CACHE_THRESHOLD CACHE_UWSGI_NAME",
}
KNOWN_KEYS = frozenset(Schema.model_fields).union(*(keys.split() for keys in EXTENSION_KEYS.values()))


def load(app, overrides: Mapping | None, *, secret_required: bool = True) -> None:
    """Fill ``app.config`` from defaults, file, environment and ``overrides``, then check it.

    ``secret_required=False`` (a ``flask`` command that serves no request)
    lets a missing ``SECRET_KEY`` pass; a weak one is refused all the same.
    """
    app.config.update(copy.deepcopy(DEFAULTS))
    app.config.update(read_file(Path(app.instance_path) / "config.toml"))
    read_environment(app.config, os.environ)
    if overrides:
        app.config.update(overrides)
    validate(app.config)
    _apply_defaults(app)
    _check_secret(app, required=secret_required)


def read_file(path: Path) -> dict:
    """The TOML file's keys, every one of them known; ``{}`` without a file."""
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            values = tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    for name in values:
        _check_known(name, f"{path}:")
    return values


def read_environment(config: MutableMapping, environ: Mapping[str, str]) -> None:
    """Apply ``FLASK_KEY`` variables, each parsed by its key's declared type."""
    for variable in sorted(environ):
        if not variable.startswith(PREFIX):
            continue
        name, *entry = variable[len(PREFIX):].split("__")
        if name in COMMAND_VARIABLES or name.startswith("RUN_"):
            continue
        _check_known(name, f"environment variable {variable}:")
        text = environ[variable]
        if not entry:
            config[name] = _parse(name, text, variable)
            continue
        table = config.setdefault(name, {})
        for part in entry[:-1]:
            table = table.setdefault(part, {})
        if not isinstance(table, MutableMapping):
            raise ConfigError(f"{variable}: {name} is not a table")
        table[entry[-1]] = _json_or_text(text)


def validate(config: Mapping) -> None:
    """Check every declared key present in ``config``; the first wrong one raises ConfigError."""
    given = {name: config[name] for name in Schema.model_fields if name in config}
    try:
        Schema.model_validate(given)
    except ValidationError as error:
        problem = error.errors()[0]
        name = problem["loc"][0]
        reason = problem["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{name} = {_shown(name, given[name])} is wrong ({reason}): use "
                          f"{Schema.model_fields[name].description}") from None


def _shown(name: str, value: Any) -> str:
    """``value`` for an error message; secrets are never echoed."""
    return "<hidden>" if "SECRET" in name or "PASSWORD" in name else repr(value)


def _check_known(name: str, where: str) -> None:
    if name in KNOWN_KEYS:
        return
    close = difflib.get_close_matches(name.upper(), KNOWN_KEYS, n=1)
    hint = f"did you mean {close[0]}?" if close else "see instance/config.example.toml for every key"
    raise ConfigError(f"{where} unknown key {name!r}; {hint}")


def _parse(name: str, text: str, variable: str) -> Any:
    field = Schema.model_fields.get(name)
    if field is None:  # an extension's key: Flask's own rule
        return _json_or_text(text)
    kinds = _kinds(field.annotation)
    try:
        if list in kinds:
            return _list(text)
        if dict in kinds:
            value = json.loads(text)
            if not isinstance(value, dict):
                raise ValueError
            return value
        return _lax(name).validate_python(text)
    except (ValueError, ValidationError):
        raise ConfigError(f"{variable}={_shown(name, text)} is wrong: use {field.description}"
                          + (" (a JSON object)" if dict in kinds else "")) from None


def _list(text: str) -> list:
    """A JSON array, or comma-separated items: ``a, b`` -> ``["a", "b"]``; ``oldkey`` -> ``["oldkey"]``."""
    if text.lstrip().startswith("["):
        value = json.loads(text)
        if not isinstance(value, list):
            raise ValueError
        return value
    return [item.strip() for item in text.split(",") if item.strip()]


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


@cache
def _lax(name: str) -> TypeAdapter:
    """Reads ``"8"`` as 8 and ``"true"`` as True for the key's declared type."""
    return TypeAdapter(Schema.model_fields[name].annotation, config=ConfigDict(strict=False))


def _kinds(annotation) -> set:
    """The plain types an annotation accepts: ``list[str] | None`` -> ``{list, NoneType}``."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kinds(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return set().union(*map(_kinds, get_args(annotation)))
    return {origin or annotation}


def _apply_defaults(app) -> None:
    config = app.config
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'site.db'}"
    url = str(config["SQLALCHEMY_DATABASE_URI"])
    if not (url.startswith("sqlite") and (":memory:" in url or url.rstrip("/") == "sqlite:")):
        # Reuse the most recently used connection: on SQLite its page cache stays warm
        # (FIFO reuse alternated two connections and threw the cache away every request).
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("pool_use_lifo", True)
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if config["SITE_HTTPS"]:
        config["SESSION_COOKIE_SECURE"] = True
        config["SESSION_COOKIE_NAME"] = "__Host-session"
        config["PREFERRED_URL_SCHEME"] = "https"
    if not config.get("SECRET_KEY") and (app.debug or app.testing):
        config["SECRET_KEY"] = _development_secret(Path(app.instance_path))


def _check_secret(app, required: bool) -> None:
    key = app.config.get("SECRET_KEY")
    if app.debug or app.testing or not (key or required):
        return
    if not key:
        raise ConfigError(
            "SECRET_KEY is required in production: set it in instance/config.toml "
            "or FLASK_SECRET_KEY (at least 32 random bytes, e.g. "
            "python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    raw = key.encode() if isinstance(key, str) else bytes(key)
    if len(raw) < MIN_SECRET_BYTES or key in WEAK_SECRETS:
        raise ConfigError(f"SECRET_KEY is too weak: use at least {MIN_SECRET_BYTES} random bytes, e.g. "
                          "python -c 'import secrets; print(secrets.token_hex(32))'")


def _development_secret(instance: Path) -> str:
    """A random key kept in the instance folder (never committed)."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value
