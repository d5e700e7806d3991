"""Configuration: defaults, loading, validation.

Order, later wins: the defaults below, ``instance/config.toml``,
``FLASK_``-prefixed environment variables, the mapping given to
``create_app``. A wrong value stops start-up with an error naming its key.
"""
from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULTS = {
    "SITE_NAME": "Trường Chính trị tỉnh Thanh Hóa",
    "SITE_DESCRIPTION": "Cổng thông tin điện tử Trường Chính trị tỉnh Thanh Hóa",
    "SITE_TIMEZONE": "Asia/Ho_Chi_Minh",
    "SITE_LOCALE": "vi_VN",
    "SITE_HTTPS": False,
    "PER_PAGE": 15,
    "MENU": None,  # None: home, every category, every page; see site_core.menu
    "SQLALCHEMY_DATABASE_URI": None,  # default: site.db in the instance folder
    "SQLITE_BUSY_TIMEOUT_MS": 5000,
    "PLUGINS": {},
    "PLUGINS_STRICT": False,
    "PLUGINS_INTROSPECTION": False,
    "TRUSTED_PROXY_COUNT": 0,
    "TRUSTED_HOSTS": None,
    "IMAGE_HOSTS": [],
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "MAX_FORM_PARTS": 200,
    "CACHE_TYPE": "SimpleCache",
    "CACHE_DEFAULT_TIMEOUT": 300,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": 3600 * 6,
}

WEAK_SECRETS = {"dev", "secret", "changeme", "change-me", "development", "test"}
MIN_SECRET_BYTES = 32

# key: (accepted types, description used in the error message)
TYPES = {
    "SITE_NAME": (str, "a string"),
    "SITE_DESCRIPTION": (str, "a string"),
    "SITE_TIMEZONE": (str, "an IANA time zone name such as 'Asia/Ho_Chi_Minh'"),
    "SITE_LOCALE": (str, "a locale such as 'vi_VN'"),
    "SITE_HTTPS": (bool, "true or false"),
    "PER_PAGE": (int, "a positive integer"),
    "SQLITE_BUSY_TIMEOUT_MS": (int, "a positive integer (milliseconds)"),
    "PLUGINS": (Mapping, "a table ([PLUGINS])"),
    "PLUGINS_STRICT": (bool, "true or false"),
    "PLUGINS_INTROSPECTION": (bool, "true or false"),
    "TRUSTED_PROXY_COUNT": (int, "the number of proxies in front of the site (0 = none)"),
    "IMAGE_HOSTS": (list, "a list of host names"),
    "MAX_CONTENT_LENGTH": (int, "a positive integer (bytes)"),
}


class ConfigError(RuntimeError):
    """A configuration value is missing or wrong; the message names the key."""


def load(app, overrides: Mapping | None) -> None:
    """Fill ``app.config`` from defaults, file, environment and ``overrides``."""
    app.config.update(DEFAULTS)
    path = Path(app.instance_path) / "config.toml"
    if path.exists():
        try:
            app.config.from_file(str(path), load=tomllib.load, text=False)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: not valid TOML: {error}") from None
    app.config.from_prefixed_env()
    if overrides:
        app.config.update(overrides)
    _apply_defaults(app)
    validate(app)


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


def validate(app) -> None:
    config = app.config
    for key, (kind, description) in TYPES.items():
        if key not in config:
            continue
        value = config[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"{key} must be {description}, got {value!r}")
    for key in ("PER_PAGE", "SQLITE_BUSY_TIMEOUT_MS", "MAX_CONTENT_LENGTH"):
        if config[key] <= 0:
            raise ConfigError(f"{key} must be a positive integer, got {config[key]!r}")
    if config["TRUSTED_PROXY_COUNT"] < 0:
        raise ConfigError("TRUSTED_PROXY_COUNT must be 0 or more")
    try:
        ZoneInfo(config["SITE_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ZoneInfoNotFoundError(
            f"SITE_TIMEZONE: unknown time zone {config['SITE_TIMEZONE']!r}"
        ) from error
    _check_secret(app)


def _check_secret(app) -> None:
    key = app.config.get("SECRET_KEY")
    if app.debug or app.testing:
        return
    if not key:
        raise ConfigError(
            "SECRET_KEY is required in production: set it in instance/config.toml "
            "or FLASK_SECRET_KEY (at least 32 random bytes, e.g. "
            "python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    raw = key.encode() if isinstance(key, str) else bytes(key)
    if len(raw) < MIN_SECRET_BYTES or key in WEAK_SECRETS:
        raise ConfigError(f"SECRET_KEY is too weak: use at least {MIN_SECRET_BYTES} random bytes")


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
