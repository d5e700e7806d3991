"""The plugin contract: every hook a site_core plugin may implement.

A plugin is a module (or object) found through the ``site_core.plugins``
entry point group; the entry point's name is the plugin's name. It
implements any of the hooks below, marked with ``@site_core.hookimpl``.
Every hook may take ``plugin``, a :class:`site_core.plugins.Plugin` holding
the plugin's name, validated settings, blueprint and logger; pluggy passes
only the arguments an implementation names.

The core calls each plugin's implementation on its own, inside its own
error boundary: one plugin raising never stops another.
"""
import pluggy

hookspec = pluggy.HookspecMarker("site_core")


@hookspec
def site_plugin_settings():
    """Declare the plugin's settings and their defaults.

    Called once at start-up, before :func:`site_setup`, for enabled plugins
    only. Return a mapping of setting name to default value, or to a
    :class:`site_core.Setting` for choices and bounds; the type of each
    default is the type admins must use. ``[PLUGINS.NAME]`` in the config
    overrides them; an unknown key or a wrong type stops start-up with an
    error naming the plugin and the key. The validated values are
    ``plugin.settings``.
    """


@hookspec
def site_setup(app, plugin):
    """Set the plugin up on ``app``, once, when the app is created.

    Add routes to ``plugin.blueprint`` (mounted at ``/NAME``, its templates
    and ``static/`` folder beside the plugin's module), CLI commands to
    ``app.cli``, request handlers, and import the plugin's models so that
    ``flask init-db`` creates their tables. Return value ignored. An
    exception marks the plugin as failed; the site starts without it.
    """


@hookspec
def site_widgets(plugin):
    """Return the sidebar widgets this plugin provides.

    Called once after :func:`site_setup`. Return an iterable of
    :class:`site_core.Widget` (name, title, template or render function,
    context function, position, cache policy). Widgets render on every
    reader page, in the order the admin configured.
    """


@hookspec
def site_assets(plugin):
    """Return the static files this plugin adds to every reader page.

    Called once after :func:`site_setup`. Return an iterable of file names
    inside the plugin's ``static/`` folder; ``.css`` files become
    ``<link rel="stylesheet">`` in the head and ``.js`` files ``<script
    defer>`` at the end of the page. Pages must work without the scripts.
    """


@hookspec
def site_page_view(request, response, article, plugin):
    """A reader viewed a page.

    Called after each successful (200) ``GET`` of a reader page (home,
    category, tag, article), not for ``HEAD``, prefetch or prerender
    requests (``Sec-Purpose``/``Purpose``), static files, error pages or any
    plugin's own routes. ``article`` is the article shown, or ``None`` on a
    listing. The plugin may set cookies on ``response``. Return value
    ignored; an exception is logged and the page is still served.
    """


@hookspec
def site_article_changed(article, change, plugin):
    """An article was published, updated or deleted.

    Called after the change is committed. ``change`` is ``"published"``
    (newly public), ``"updated"`` (edited, public or not),
    ``"unpublished"`` (no longer public) or ``"deleted"`` (``article`` is
    then a detached copy). Return value ignored; an exception is logged.
    """


@hookspec
def site_articles_changed(changes, plugin):
    """Many articles changed at once (``flask import-articles``).

    Called once per import, after every change is committed, with
    ``changes``: the list of ``(article, change)`` pairs in import order
    (``change`` as in :func:`site_article_changed`). A plugin implementing
    this gets no :func:`site_article_changed` call for those changes; one
    implementing only :func:`site_article_changed` gets one call per pair.
    Return value ignored; an exception is logged.
    """


@hookspec
def site_demo_data(app, plugin):
    """Add this plugin's demo data; called by ``flask load-demo``.

    Called inside an app context after the core's demo articles exist.
    Must be safe to run twice (no duplicates). Return a short summary string
    for the command's output, or ``None``.
    """
