"""Plugin discovery, enabling, registration and introspection.

Plugins are found through the ``site_core.plugins`` entry point group; only
enabled ones are imported. Each app has its own pluggy manager (in
``app.extensions``), so two apps in one process never share plugins. A
plugin that fails to import or set up is logged and left out, unless
``PLUGINS_STRICT`` is on.
"""
from __future__ import annotations

import logging
import os
import re
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy
from flask import Blueprint, Flask, current_app

from . import hookspecs
from .config import ConfigError
from .settings import resolve

GROUP = "site_core.plugins"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*\Z")
DEFAULT_POSITION = 100
log = logging.getLogger("site_core.plugins")


class PluginError(RuntimeError):
    """A plugin could not be loaded and ``PLUGINS_STRICT`` is on."""


@dataclass
class Plugin:
    """One installed plugin as the app sees it; passed to hooks as ``plugin``."""

    name: str
    distribution: str
    version: str
    entry_point: str
    status: str = "disabled"  # enabled | disabled | failed
    error: str | None = None
    settings: dict = field(default_factory=dict)
    blueprint: Blueprint | None = None
    module: Any = None
    hooks: list = field(default_factory=list)
    widgets: list = field(default_factory=list)
    assets: list = field(default_factory=list)

    @property
    def logger(self) -> logging.Logger:
        return logging.getLogger(f"site_core.plugin.{self.name}")

    @property
    def position(self) -> int:
        return min((w.position for w in self.widgets), default=DEFAULT_POSITION)

    def describe(self) -> dict:
        return {
            "name": self.name, "version": self.version, "distribution": self.distribution,
            "entry_point": self.entry_point, "status": self.status, "error": self.error,
            "hooks": self.hooks, "widgets": [w.name for w in self.widgets],
        }


class Plugins:
    """The app's plugins: its pluggy manager and every installed plugin's record."""

    def __init__(self) -> None:
        self.manager = pluggy.PluginManager("site_core")
        self.manager.add_hookspecs(hookspecs)
        self.installed: dict[str, Plugin] = {}
        self.order: list[str] = []  # enabled plugins, sidebar order

    @property
    def enabled(self) -> list[Plugin]:
        return [self.installed[name] for name in self.order]

    def call(self, plugin: Plugin, hook: str, **kwargs):
        """Call one plugin's implementation of ``hook`` (None if it has none)."""
        for impl in getattr(self.manager.hook, hook).get_hookimpls():
            if impl.plugin_name == plugin.name:
                kwargs["plugin"] = plugin
                return impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
        return None

    def call_each(self, hook: str, **kwargs):
        """Call ``hook`` on every enabled plugin, each in its own error boundary.

        Yields ``(plugin, result)``; a plugin that raises is logged and skipped.
        """
        for plugin in self.enabled:
            if hook not in plugin.hooks:
                continue
            try:
                yield plugin, self.call(plugin, hook, **kwargs)
            except Exception:
                plugin.logger.exception("plugin %s failed in %s", plugin.name, hook)

    def describe(self) -> list[dict]:
        return [self.installed[name].describe() for name in sorted(self.installed)]


def get(app: Flask | None = None) -> Plugins:
    return (app or current_app).extensions["site_core.plugins"]


def discover() -> dict[str, tuple[metadata.EntryPoint, list[str]]]:
    """Installed plugins by name, without importing them.

    Returns name -> (entry point, distributions declaring that name). The
    same entry point listed twice by one distribution counts once.
    """
    found: dict[str, tuple[metadata.EntryPoint, list[str]]] = {}
    for ep in sorted(metadata.entry_points(group=GROUP), key=lambda e: (e.name, _dist_name(e))):
        dist = _dist_name(ep)
        if ep.name in found:
            first, dists = found[ep.name]
            if dist not in dists and (first.value != ep.value or dist != dists[0]):
                dists.append(dist)
            continue
        found[ep.name] = (ep, [dist])
    return found


def _dist_name(ep: metadata.EntryPoint) -> str:
    return ep.dist.metadata["Name"] if ep.dist else "?"


def init_app(app: Flask) -> Plugins:
    """Discover, select, import, validate and set up the app's plugins."""
    plugins = Plugins()
    app.extensions["site_core.plugins"] = plugins
    config = app.config["PLUGINS"]
    found = discover()
    for name, (ep, dists) in found.items():
        plugin = Plugin(name, dists[0], ep.dist.version if ep.dist else "?", ep.value)
        plugins.installed[name] = plugin
        if not NAME_PATTERN.match(name):
            _fail(plugin, f"invalid plugin name {name!r}: use [a-z][a-z0-9_]*")
        elif len(dists) > 1:
            _fail(plugin, f"plugin name {name!r} is declared by several distributions: {', '.join(dists)}")
    wanted = _select(config, plugins.installed)
    if os.environ.get("SITE_SAFE_MODE") == "1":
        log.warning("SITE_SAFE_MODE=1: starting without plugins")
        wanted = []
    for name in wanted:
        plugin = plugins.installed[name]
        if plugin.status != "failed":
            _enable(app, plugins, plugin, found[name][0], config.get(name, {}))
    enabled = [n for n in wanted if plugins.installed[n].status == "enabled"]
    if "enabled" not in config:
        enabled.sort(key=lambda n: (plugins.installed[n].position, n))
    plugins.order = enabled
    failed = [p for p in plugins.installed.values() if p.status == "failed" and p.name in wanted]
    if failed and app.config["PLUGINS_STRICT"]:
        raise PluginError("plugins failed (PLUGINS_STRICT is on): "
                          + "; ".join(f"{p.name}: {p.error}" for p in failed))
    return plugins


def _select(config: Mapping, installed: Mapping[str, Plugin]) -> list[str]:
    """The names of the plugins to enable, checking the admin's config."""
    if not isinstance(config, Mapping):
        raise ConfigError("PLUGINS must be a table ([PLUGINS])")
    names = ", ".join(sorted(installed)) or "none"

    def check(where: str, name: Any) -> None:
        if not isinstance(name, str) or name not in installed:
            raise ConfigError(f"PLUGINS {where}: plugin {name!r} is not installed (installed: {names})")

    for key in ("enabled", "disabled"):
        if key in config and not isinstance(config[key], (list, tuple)):
            raise ConfigError(f"PLUGINS.{key} must be a list of plugin names")
        for name in config.get(key, ()):
            check(key, name)
    for key, value in config.items():
        if key in ("enabled", "disabled"):
            continue
        check(f"[PLUGINS.{key}]", key)
        if not isinstance(value, Mapping):
            raise ConfigError(f"[PLUGINS.{key}] must be a table of settings")
    disabled = set(config.get("disabled", ()))
    chosen = list(config["enabled"]) if "enabled" in config else sorted(installed)
    return [name for name in dict.fromkeys(chosen) if name not in disabled]


def _enable(app: Flask, plugins: Plugins, plugin: Plugin, ep, given: Mapping) -> None:
    try:
        module = ep.load()
        plugins.manager.register(module, name=plugin.name)
    except Exception as error:
        _fail(plugin, f"import failed: {_short(error)}", error)
        return
    plugin.module = module
    plugin.hooks = sorted(h.name for h in plugins.manager.get_hookcallers(module) or ())
    try:
        plugins.manager.check_pending()
    except pluggy.PluginValidationError as error:
        _fail(plugin, f"unknown hook: {error}", error)
        plugins.manager.unregister(name=plugin.name)
        return
    try:
        declared = plugins.call(plugin, "site_plugin_settings") or {}
    except Exception as error:
        _fail(plugin, f"settings failed: {_short(error)}", error)
        plugins.manager.unregister(name=plugin.name)
        return
    plugin.settings = resolve(plugin.name, declared, given)  # a bad value stops start-up
    plugin.blueprint = _blueprint(plugin, module)
    try:
        plugins.call(plugin, "site_setup", app=app)
        plugin.widgets = _widgets(plugins, plugin)
        plugin.assets = list(plugins.call(plugin, "site_assets") or ())
        app.register_blueprint(plugin.blueprint)
    except Exception as error:
        _fail(plugin, f"setup failed: {_short(error)}", error)
        plugins.manager.unregister(name=plugin.name)
        return
    plugin.status = "enabled"


def _widgets(plugins: Plugins, plugin: Plugin) -> list:
    from .widgets import Widget

    widgets = []
    for widget in plugins.call(plugin, "site_widgets") or ():
        if not isinstance(widget, Widget):
            raise TypeError(f"site_widgets must return Widget objects, got {type(widget).__name__}")
        widgets.append(widget.bind(plugin.name))
    return widgets


def _blueprint(plugin: Plugin, module) -> Blueprint:
    """The plugin's blueprint: routes at /NAME, templates and static beside it."""
    root = Path(getattr(module, "__file__", "") or ".").parent
    static = root / "static"
    return Blueprint(
        plugin.name, getattr(module, "__name__", plugin.name), url_prefix=f"/{plugin.name}",
        root_path=str(root), template_folder="templates" if (root / "templates").is_dir() else None,
        static_folder="static" if static.is_dir() else None,
    )


def _fail(plugin: Plugin, reason: str, error: BaseException | None = None) -> None:
    plugin.status, plugin.error = "failed", reason
    detail = "".join(traceback.format_exception(error)) if error else ""
    log.error("plugin %s (distribution %s) disabled: %s\n%s", plugin.name, plugin.distribution, reason, detail)


def _short(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
