"""The plugin API: every name a plugin may use from site_core (``docs/plugin-api.md``).

Plugins import from here (and from ``site_core``, ``site_core.clock``,
``site_core.reading``; tests from ``site_core.testing``); everything else in
site_core may change in any release. Names are added in minor releases and
removed only in a major one, after a release of deprecation warnings.
"""
from __future__ import annotations

from flask import current_app

from . import clock, csrf, hookimpl, reading
from .cache import PluginCache
from .db import UTCDateTime, db, increment, insert_once, write_transaction
from .content_version import changed as content_changed
from .formatting import format_number
from .holes import per_reader, render_shared as shared
from .plugins import API_VERSION, Plugin, get as _registry
from .privacy import Cookie, DataKept, PrivacyNotice
from .reader_forms import protect as reader_form, reader_key
from .readers import cookie_name, hash_address, read_cookie, secure_cookies, serializer, set_cookie, signer
from .routing import MAX_ID, page_number
from .security import error_page
from .settings import Setting
from .widgets import Page, Widget, is_page_view, is_prefetch

PUBLIC_MODULES = ("site_core", "site_core.api", "site_core.clock", "site_core.reading", "site_core.testing")


def plugin_of(module_name: str) -> Plugin:
    """The current app's :class:`Plugin` that module ``module_name`` (pass ``__name__``) belongs to."""
    best = None
    for plugin in _registry().installed.values():
        package = getattr(plugin.module, "__package__", None) or getattr(plugin.module, "__name__", None)
        if package and (module_name == package or module_name.startswith(package + ".")):
            if best is None or len(package) > len(best[0]):
                best = (package, plugin)
    if best is None:
        raise LookupError(f"module {module_name!r} belongs to no plugin loaded in {current_app.name}")
    return best[1]


def plugin_cache(module_name: str) -> PluginCache:
    """The shared cache, keys namespaced by the top-level package of ``module_name`` (pass ``__name__``)."""
    return PluginCache(module_name.partition(".")[0])


__all__ = [
    "API_VERSION", "MAX_ID", "Cookie", "DataKept", "Page", "PrivacyNotice", "Plugin", "Setting", "UTCDateTime", "Widget", "clock", "content_changed", "cookie_name", "csrf",
    "db", "error_page", "format_number", "hash_address", "hookimpl", "increment", "insert_once",
    "is_page_view", "is_prefetch", "page_number", "per_reader", "plugin_cache", "plugin_of", "read_cookie", "reader_form",
    "reader_key", "reading", "secure_cookies",
    "serializer", "set_cookie", "shared", "signer", "write_transaction",
]
