"""Plugin discovery, enabling, registration and introspection.

Plugins are found through the ``site_core.plugins`` entry point group; only
enabled ones are imported. Each app has its own pluggy manager (in
``app.extensions``), so two apps in one process never share plugins. A
plugin that fails to import or set up is logged and left out, unless
``PLUGINS_STRICT`` is on; what it declared is applied to the app only after
its whole set-up succeeded (:mod:`site_core.registration`).

Set-up hooks ask one plugin about itself and are called per plugin. Event
hooks (:data:`SETUP_HOOKS` excepted) are called through pluggy's own hook
calling, so ``tryfirst``/``trylast`` order them and a ``firstresult`` spec
stops at the first answer; each implementation runs in its own error
boundary. Hook wrappers could stop other plugins' implementations, so they
are refused when the plugin loads.
"""
from __future__ import annotations

import logging
import os
import re
import traceback
import warnings
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy
from flask import Blueprint, Flask, current_app

from . import hookspecs
from .config import ConfigError
from .isolation import FailureLog
from .registration import AppChanges, Registrations
from .settings import declare, resolve

GROUP = "site_core.plugins"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*\Z")
DEFAULT_POSITION = 100
API_VERSION = "1.3"  # the plugin API this core provides (docs/plugin-api.md: versioning)
SETUP_HOOKS = ("site_plugin_settings", "site_setup", "site_widgets", "site_assets")
log = logging.getLogger("site_core.plugins")


class PluginError(RuntimeError):
    """A plugin could not be loaded and ``PLUGINS_STRICT`` is on."""


@dataclass(eq=False)
class Plugin(Registrations):
    """One installed plugin as the app sees it; passed to hooks as ``plugin``.

    In ``site_setup`` it is also where the plugin declares what it adds to
    the app (:class:`site_core.registration.Registrations`).
    """

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

    def __post_init__(self) -> None:
        Registrations.__init__(self)

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
        self.failures = FailureLog()  # plugin code failing while serving

    @property
    def enabled(self) -> list[Plugin]:
        return [self.installed[name] for name in self.order]

    def call(self, plugin: Plugin, hook: str, **kwargs):
        """Call one plugin's own implementation of a set-up hook (None if it has none)."""
        for impl in getattr(self.manager.hook, hook).get_hookimpls():
            if impl.plugin_name == plugin.name:
                kwargs["plugin"] = plugin
                return impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
        return None

    def call_each(self, hook: str, skip: Collection[str] = (), **kwargs):
        """Call an event hook through pluggy; yields ``(plugin, result)`` per implementation that ran.

        Each implementation runs in its own error boundary (see :meth:`_boundary`):
        one that raises is logged (rate-limited) and gives no answer. For a
        ``firstresult`` hook only the first non-None answer comes back. Plugins
        named in ``skip`` are not called.
        """
        caller = getattr(self.manager.hook, hook)
        if skip:
            caller = self.manager.subset_hook_caller(hook, [self.installed[name].module for name in skip])
        answers = caller(**kwargs, plugin=None)
        if _firstresult(caller):
            answers = () if answers is None else (answers,)
        yield from answers

    def _boundary(self, plugin: Plugin, hook: str, impl: pluggy.HookImpl, firstresult: bool):
        """Wrap ``impl`` for pluggy: isolated, given its own ``plugin``, answering ``(plugin, result)``.

        A ``None`` result stays ``None`` for a ``firstresult`` hook, so pluggy goes on to the next.
        """
        function, names = impl.function, impl.argnames

        def call(*args):
            values = dict(zip(names, args))
            if "plugin" in values:
                values["plugin"] = plugin
            try:
                result = function(**values)
            except Exception as error:
                self.failures.report(plugin.name, hook, error)
                return None
            return None if result is None and firstresult else (plugin, result)
        return call

    def isolate(self, plugin: Plugin) -> None:
        """Put each of the plugin's event-hook implementations in its error boundary."""
        for caller in self.manager.get_hookcallers(plugin.module) or ():
            if caller.name in SETUP_HOOKS:
                continue
            for impl in caller.get_hookimpls():
                if impl.plugin_name == plugin.name:
                    impl.function = self._boundary(plugin, caller.name, impl, _firstresult(caller))

    def describe(self) -> list[dict]:
        return [self.installed[name].describe() for name in sorted(self.installed)]


def _firstresult(caller: pluggy.HookCaller) -> bool:
    return bool(caller.spec and caller.spec.opts.get("firstresult"))


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
        _check_api_version(plugin)
        _check_hook_options(plugins, plugin)
    except Exception as error:
        reason = f"unknown hook: {error}" if isinstance(error, pluggy.PluginValidationError) else str(error)
        _fail(plugin, reason, error)
        plugins.manager.unregister(name=plugin.name)
        return
    try:
        declared = declare(plugin.name, plugins.call(plugin, "site_plugin_settings") or {})
    except Exception as error:
        _fail(plugin, f"settings failed: {_short(error)}", error)
        plugins.manager.unregister(name=plugin.name)
        return
    plugin.settings = resolve(plugin.name, declared, given)  # a bad value stops start-up
    plugin.blueprint = _blueprint(plugin, module)
    changes = AppChanges(app)
    try:
        plugins.call(plugin, "site_setup", app=app)
        plugin.widgets = _widgets(plugins, plugin)
        plugin.assets = _assets(plugins, plugin)
        plugin.check(app)
        app.register_blueprint(plugin.blueprint)
    except Exception as error:
        changes.undo()
        _fail(plugin, f"setup failed: {_short(error)}", error)
        plugins.manager.unregister(name=plugin.name)
        return
    legacy = changes.added()
    if legacy:
        warnings.warn(f"plugin {plugin.name}: site_setup registered {', '.join(legacy)} on the app directly; "
                      "declare them on plugin instead (plugin.add_command, plugin.after_request, ...)",
                      DeprecationWarning, stacklevel=2)
        changes.guard(plugin.name, plugins.failures)
    plugin.apply(app, plugin.name, plugins.failures)
    plugins.isolate(plugin)
    plugin.status = "enabled"


def _check_api_version(plugin: Plugin) -> None:
    """The plugin's ``SITE_CORE_API`` ("MAJOR.MINOR") must be one this core provides."""
    wanted = getattr(plugin.module, "SITE_CORE_API", None)
    if wanted is None:
        warnings.warn(f"plugin {plugin.name} does not declare the plugin API it needs: "
                      f'add SITE_CORE_API = "{API_VERSION}" to {plugin.entry_point}', DeprecationWarning, stacklevel=2)
        return
    have = tuple(map(int, API_VERSION.split(".")))
    match = re.fullmatch(r"(\d+)\.(\d+)", str(wanted))
    if not match:
        raise ValueError(f'SITE_CORE_API must be "MAJOR.MINOR", got {wanted!r}')
    major, minor = int(match[1]), int(match[2])
    if major != have[0] or minor > have[1]:
        raise ValueError(f"needs plugin API {wanted}; this site_core provides {API_VERSION} "
                         f"(compatible: {have[0]}.0 to {API_VERSION})")


def _check_hook_options(plugins: Plugins, plugin: Plugin) -> None:
    """Refuse what the core would otherwise ignore: wrappers, and ordering of set-up hooks."""
    for caller in plugins.manager.get_hookcallers(plugin.module) or ():
        for impl in caller.get_hookimpls():
            if impl.plugin_name != plugin.name:
                continue
            if impl.hookwrapper or impl.wrapper:
                raise ValueError(f"{caller.name}: hook wrappers are not supported (each plugin's "
                                 "implementation runs in its own error boundary)")
            if caller.name in SETUP_HOOKS and (impl.tryfirst or impl.trylast):
                raise ValueError(f"{caller.name}: tryfirst/trylast have no effect on a set-up hook "
                                 "(it is called once per plugin); order widgets with position")


def _assets(plugins: Plugins, plugin: Plugin) -> list[str]:
    """The plugin's page assets, each checked to exist (a wheel may lack its static files)."""
    assets = [str(name) for name in plugins.call(plugin, "site_assets") or ()]
    folder = Path(plugin.blueprint.static_folder) if plugin.blueprint.static_folder else None
    for name in assets:
        if folder is None:
            raise FileNotFoundError(f"asset {name!r} listed but the plugin has no static/ folder "
                                    "(a wheel built without static/* in its package data?)")
        if not (folder / name).is_file():
            raise FileNotFoundError(f"asset {name!r} not found in {folder}")
    return assets


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
