"""The plugin contract: every hook a site_core plugin may implement.

A plugin is a module (or object) found through the ``site_core.plugins``
entry point group; the entry point's name is the plugin's name. It
implements any of the hooks below, marked with ``@site_core.hookimpl``.
Every hook may take ``plugin``, the calling plugin's own
:class:`site_core.plugins.Plugin` (its name, settings, blueprint, logger and
the registrar of ``site_setup``); pluggy passes only the arguments an
implementation names, so a hook may take any subset of its arguments.

Set-up hooks (the first four) are called once per plugin, in order; an
exception fails that plugin and leaves nothing of it live. Event hooks are
called through pluggy (``tryfirst``/``trylast`` order them), each plugin's
implementation in its own error boundary: one plugin raising never stops
another. Hook wrappers are refused. New hooks arrive in minor releases.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from flask import Flask, Request, Response

    from .plugins import Plugin
    from .privacy import PrivacyNotice
    from .settings import Setting
    from .widgets import Widget

hookspec = pluggy.HookspecMarker("site_core")


@hookspec
def site_plugin_settings(plugin: Plugin) -> Mapping[str, Any | Setting]:
    """Declare the plugin's settings and their defaults.

    Called once at start-up, before :func:`site_setup`, for enabled plugins
    only (``plugin.settings`` is still empty). Return a mapping of setting
    name to default value, or to a :class:`site_core.Setting` for choices
    and bounds; the type of each default is the type admins must use. A
    default outside its own choices or bounds fails the plugin.
    ``[PLUGINS.NAME]`` in the config overrides them; an unknown key or a
    wrong type stops start-up with an error naming the plugin and the key.
    The validated values are ``plugin.settings``.
    """


@hookspec
def site_setup(app: Flask, plugin: Plugin) -> None:
    """Set the plugin up, once, when the app is created.

    Add routes to ``plugin.blueprint`` (mounted at ``/NAME``, its templates
    and ``static/`` folder beside the plugin's module); declare CLI commands
    with ``plugin.add_command``, request hooks with
    ``plugin.before_request``/``after_request``/``teardown_request`` and
    template helpers with ``plugin.template_global``/``template_filter``;
    import the plugin's models so that ``flask init-db`` creates their
    tables. ``app`` is for reading its config. All of it is applied only
    after the plugin's whole set-up succeeded. An exception marks the
    plugin as failed, leaves nothing of it live, and the site starts
    without it. Registering on ``app`` directly still works through 1.x
    (with a ``DeprecationWarning``). Return value ignored.
    """


@hookspec
def site_widgets(plugin: Plugin) -> Iterable[Widget]:
    """Return the sidebar widgets this plugin provides.

    Called once after :func:`site_setup`. Return an iterable of
    :class:`site_core.Widget` (name, title, template or render function,
    context function, position, cache policy). Widgets render on every
    reader page, in the order the admin configured.
    """


@hookspec
def site_assets(plugin: Plugin) -> Iterable[str]:
    """Return the static files this plugin adds to every reader page.

    Called once after :func:`site_setup`. Return an iterable of file names
    inside the plugin's ``static/`` folder (a name that is not there fails
    the plugin: check a wheel's package data); ``.css`` files become
    ``<link rel="stylesheet">`` in the head and ``.js`` files ``<script
    defer>`` at the end of the page. Pages must work without the scripts.
    """


@hookspec
def site_page_view(request: Request, response: Response, article: Any | None, plugin: Plugin) -> None:
    """A reader viewed a page.

    Called after each successful (200) ``GET`` of a reader page (home,
    category, tag, article), not for ``HEAD``, prefetch or prerender
    requests (``Sec-Purpose``/``Purpose``), static files, error pages or any
    plugin's own routes. ``article`` is the article shown, or ``None`` on a
    listing. The plugin may set cookies on ``response``. Return value
    ignored; an exception is logged and the page is still served.
    """


@hookspec
def site_article_changed(article: Any, change: str, plugin: Plugin) -> None:
    """An article was published, updated or deleted.

    Called after the change is committed. ``change`` is ``"published"``
    (newly public), ``"updated"`` (edited, public or not),
    ``"unpublished"`` (no longer public) or ``"deleted"`` (``article`` is
    then a detached copy). Return value ignored; an exception is logged.
    """


@hookspec
def site_articles_changed(changes: list[tuple[Any, str]], plugin: Plugin) -> None:
    """Many articles changed at once (``flask import-articles``).

    Called once per import, after every change is committed, with
    ``changes``: the list of ``(article, change)`` pairs in import order
    (``change`` as in :func:`site_article_changed`). A plugin implementing
    this gets no :func:`site_article_changed` call for those changes; one
    implementing only :func:`site_article_changed` gets one call per pair.
    Return value ignored; an exception is logged.
    """


@hookspec
def site_articles_importing(changes: list[tuple[Any, str]], plugin: Plugin) -> None:
    """Part of an import is committed (``flask import-articles``; added in 1.2).

    Called during an import, every ``IMPORT_BATCH`` (500) changes, with the
    changes committed since the last call, as in :func:`site_articles_changed`.
    Nothing is asked of the plugin: it may start work that the final
    :func:`site_articles_changed` call (still made, with every change) then
    needs less time for, for instance in another process while the import
    goes on. Return value ignored; an exception is logged.
    """


@hookspec
def site_demo_data(app: Flask, plugin: Plugin) -> str | None:
    """Add this plugin's demo data; called by ``flask load-demo``.

    Called inside an app context after the core's demo articles exist.
    Must be safe to run twice (no duplicates). Return a short summary string
    for the command's output, or ``None``.
    """


@hookspec
def site_privacy_notice(plugin: Plugin) -> PrivacyNotice | None:
    """Say what this plugin keeps about readers, for the site's privacy notice.

    Called each time the notice (``/quyen-rieng-tu``) is shown, inside that
    request, for enabled plugins only. Return a
    :class:`site_core.PrivacyNotice`: a sentence on what the plugin does
    with readers' data, every cookie it may set (``site_core.Cookie``: the
    name exactly as sent -- mind a ``__Host-`` prefix on HTTPS sites --,
    purpose and lifetime in seconds) and what it stores and for how long
    (``site_core.DataKept``), in Vietnamese. A plugin that keeps nothing
    says so in the sentence. A plugin without this hook is listed as having
    declared nothing.
    """
