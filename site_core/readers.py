"""Recognising readers without storing who they are: signed cookies, hashed addresses.

One rule for secure cookies: ``SESSION_COOKIE_SECURE`` (``SITE_HTTPS =
true`` turns it on). Secure cookies get the ``__Host-`` prefix, so no other
host or path can set them. Signatures use ``SECRET_KEY`` and accept
``SECRET_KEY_FALLBACKS``, so rotating the key does not forget every reader.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress

from flask import current_app, request
from itsdangerous import Signer, URLSafeSerializer


def secure_cookies() -> bool:
    """Whether cookies are sent over HTTPS only (``SESSION_COOKIE_SECURE``)."""
    return bool(current_app.config["SESSION_COOKIE_SECURE"])


def cookie_name(name: str) -> str:
    """``name`` as set on this site: ``__Host-name`` when cookies are secure."""
    return f"__Host-{name}" if secure_cookies() else name


def read_cookie(name: str, max_length: int = 200) -> str | None:
    """The request's cookie ``name`` (prefixed as :func:`cookie_name` says); None if absent or too long."""
    raw = request.cookies.get(cookie_name(name))
    return raw if raw and len(raw) <= max_length else None


def set_cookie(response, name: str, value: str, max_age: int | None) -> None:
    """Set a first-party cookie readers' scripts cannot read: path ``/``, ``HttpOnly``, ``SameSite=Lax``;
    ``max_age`` None: until the browser closes."""
    response.set_cookie(cookie_name(name), value, max_age=max_age, path="/", secure=secure_cookies(),
                        httponly=True, samesite="Lax")


def _keys() -> list:
    return [*(current_app.config.get("SECRET_KEY_FALLBACKS") or ()), current_app.config["SECRET_KEY"]]


def signer(salt: str) -> Signer:
    """Signs and checks strings (``sign``/``unsign``); ``salt`` names the purpose."""
    return Signer(_keys(), salt=salt)


def serializer(salt: str) -> URLSafeSerializer:
    """Signs and checks JSON values (``dumps``/``loads``); ``salt`` names the purpose."""
    return URLSafeSerializer(_keys(), salt=salt)


def hash_address(address: str | None, purpose: str) -> str:
    """A keyed hash of a client address (an IPv6 address counts as its /64), never the address.

    Stable for one ``SECRET_KEY`` and ``purpose``; 40 hex characters.
    """
    text = address or "unknown"
    try:
        ip = ipaddress.ip_address(text)
        if ip.version == 6 and ip.ipv4_mapped is None:
            text = str(ipaddress.ip_network(f"{ip}/64", strict=False))
        elif ip.version == 6:
            text = str(ip.ipv4_mapped)
    except ValueError:
        pass
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else bytes(secret)
    key = hmac.new(secret, purpose.encode(), hashlib.sha256).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:40]
