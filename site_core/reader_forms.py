"""CSRF tokens for forms on reader pages, without a session: a signed double-submit cookie.

A form in a widget (the poll's vote) is drawn on pages most readers only
read. Flask-WTF's token lives in Flask's session, so each new reader cost a
session cookie signed and set beside the token: most of what a page served
from memory still cost (``bench/README.md``, "Issue 16"). Here a browser
gets one random value in a cookie (``site_reader``: ``HttpOnly``,
``SameSite=Lax``, ``__Host-`` when cookies are secure), set with the first
page that draws such a form; a token is the time it was issued and a
signature (itsdangerous, ``SECRET_KEY``) of that value and that time. A ``POST`` to a view
wrapped in :func:`protect` is accepted only when its token (the form's
``csrf_token`` field, or an ``X-CSRFToken`` header) was made for the
cookie the request carries, is younger than ``WTF_CSRF_TIME_LIMIT``, and,
over HTTPS with ``WTF_CSRF_SSL_STRICT``, its ``Referer`` is this site. A
token cannot be made without the key, nor the cookie read by another site:
the same guarantees as Flask-WTF's own token, which guards every other form.
Refusals raise Flask-WTF's ``CSRFError`` (400), so the same handlers answer.
"""
from __future__ import annotations

import functools
import logging
import re
import secrets
import time
from urllib.parse import urlsplit

from flask import current_app, g, request
from flask_wtf.csrf import CSRFError

from .readers import read_cookie, set_cookie, signer

COOKIE = "site_reader"
DRAWN = "site_core.reader_token_drawn"  # in ``g``: this request drew a token (see page_cache)
VALUE = re.compile(r"[A-Za-z0-9_-]{24}\Z")  # secrets.token_urlsafe(18)
_VALUE_KEY = "site_core.reader_value"  # in the WSGI environ: the value, None without one
_NEW_KEY = "site_core.reader_value_new"  # ... and the one made by this request, for its cookie
_SALT = "site_core.reader_forms"
log = logging.getLogger(__name__)


def _from_cookie() -> str | None:
    raw = read_cookie(COOKIE)
    return raw if raw is not None and VALUE.match(raw) else None


def reader_value(create: bool = False) -> str | None:
    """This browser's random value (its cookie's); a new one set with this response if ``create``."""
    environ = request.environ
    if _VALUE_KEY not in environ:
        environ[_VALUE_KEY] = _from_cookie()
    value = environ[_VALUE_KEY]
    if value is None and create:
        value = environ[_VALUE_KEY] = secrets.token_urlsafe(18)  # 24 characters
        environ[_NEW_KEY] = value
    return value


def _set_new_cookie(response):
    """``after_request`` (the app's: after the page cache filled the page's holes)."""
    value = request.environ.get(_NEW_KEY)
    if value is not None:
        set_cookie(response, COOKIE, value, max_age=None)
        response.vary.add("Cookie")
    return response


def reader_key(purpose: str) -> str | None:
    """A keyed hash of this browser's value for ``purpose`` (e.g. who votes), or None without
    one. The value itself is never stored; use it only after :func:`protect` checked the form."""
    value = reader_value()
    if value is None:
        return None
    return signer(f"{_SALT}.key.{purpose}").get_signature(value).decode("ascii")


def token() -> str:
    """A CSRF token for a reader form (``reader_csrf_token()`` in templates: draw it in a
    ``per_reader`` part, or the page is never kept); sets the reader's cookie if new."""
    g.setdefault(DRAWN, True)
    issued = str(int(time.time()))  # real time, as Flask-WTF's tokens (not the site's clock)
    signature = signer(_SALT).get_signature(f"{reader_value(create=True)}.{issued}")
    return f"{issued}.{signature.decode('ascii')}"


def check() -> None:
    """Refuse (``CSRFError``) a request whose reader token is missing, stale, foreign or forged."""
    config = current_app.config
    if not config.get("WTF_CSRF_ENABLED", True):
        return
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    sent = request.form.get(field) or next(
        (request.headers[h] for h in config.get("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
         if request.headers.get(h)), None)
    if not sent:
        _refuse("The CSRF token is missing.")
    value = reader_value()
    if value is None:
        _refuse("The CSRF session token is missing.")
    issued, _, signature = sent.partition(".")
    if not (issued.isascii() and issued.isdigit() and len(issued) <= 12
            and signer(_SALT).verify_signature(f"{value}.{issued}", signature)):  # any key, fallbacks too
        _refuse("The CSRF token is invalid.")
    limit = config.get("WTF_CSRF_TIME_LIMIT", 3600)
    if limit is not None and int(issued) + limit < time.time():
        _refuse("The CSRF token has expired.")
    if request.is_secure and config.get("WTF_CSRF_SSL_STRICT", True):
        if not request.referrer:
            _refuse("The referrer header is missing.")
        if not _same_origin(request.referrer, request.host_url):
            _refuse("The referrer does not match the host.")


def _same_origin(url: str, site: str) -> bool:
    sent, ours = urlsplit(url), urlsplit(site)
    try:
        return (sent.scheme, sent.hostname, sent.port) == (ours.scheme, ours.hostname, ours.port)
    except ValueError:  # a port that is not a number
        return False


def _refuse(reason: str):
    log.info("reader form refused: %s", reason)
    raise CSRFError(reason)


def protect(view):
    """Wrap a view whose ``POST`` carries a reader token: checked here, not by Flask-WTF's
    session token (the wrapped view is exempt from ``CSRFProtect``; other methods pass)."""
    from . import csrf

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if request.method in current_app.config.get("WTF_CSRF_METHODS", ["POST", "PUT", "PATCH", "DELETE"]):
            check()
        return view(*args, **kwargs)

    return csrf.exempt(checked)


def init_app(app) -> None:
    app.jinja_env.globals["reader_csrf_token"] = token
    app.after_request(_set_new_cookie)
