"""What a plugin adds to the app, applied only once its whole set-up succeeded.

During ``site_setup`` a plugin declares its CLI commands, request hooks and
template helpers on its :class:`Registrations` (``plugin.add_command``,
``plugin.after_request``, ...) and its routes on ``plugin.blueprint``.
Nothing reaches the app until every set-up step passed, so a plugin that
fails leaves nothing live. Each request hook and template helper runs in
its own error boundary.

A plugin written before 1.0 registers on ``app`` directly in
``site_setup(app)``; :class:`AppChanges` finds what it added, takes it back
if the set-up fails, and otherwise puts the same error boundary around it.
"""
from __future__ import annotations

import copy

from collections.abc import Callable

import click
from flask import Flask

from .isolation import FALLBACKS, FailureLog, guarded, returning_response

REQUEST_HOOKS = {  # registration kind -> the Flask attribute holding it
    "before_request": "before_request_funcs",
    "after_request": "after_request_funcs",
    "teardown_request": "teardown_request_funcs",
}
TEMPLATE_HELPERS = {"template_global": "globals", "template_filter": "filters"}


class Registrations:
    """A plugin's CLI commands, request hooks and template helpers, held until set-up succeeds."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, click.Command]] = []
        self.handlers: list[tuple[str, Callable, str | None]] = []  # (kind, function, name)

    def add_command(self, command: click.Command, name: str | None = None, hidden: bool = False) -> click.Command:
        """Add a click command or group to ``flask`` (as ``name``, default its own name).

        ``hidden=True`` keeps it out of ``flask --help`` (an old name still accepted)."""
        if hidden:
            command = copy.copy(command)
            command.hidden = True
        self.commands.append((name or command.name, command))
        return command

    def before_request(self, function: Callable) -> Callable:
        return self._handler("before_request", function)

    def after_request(self, function: Callable) -> Callable:
        """``function(response) -> response`` after every request; on error the response goes out unchanged."""
        return self._handler("after_request", function)

    def teardown_request(self, function: Callable) -> Callable:
        return self._handler("teardown_request", function)

    def template_global(self, function: Callable, name: str | None = None) -> Callable:
        return self._handler("template_global", function, name)

    def template_filter(self, function: Callable, name: str | None = None) -> Callable:
        return self._handler("template_filter", function, name)

    def _handler(self, kind: str, function: Callable, name: str | None = None) -> Callable:
        self.handlers.append((kind, returning_response(function) if kind == "after_request" else function, name))
        return function

    def check(self, app: Flask) -> None:
        """Refuse a name the app already has (a core command, another plugin's helper)."""
        for name, _ in self.commands:
            if name in app.cli.commands:
                raise ValueError(f"CLI command {name!r} already exists")
        for kind, function, name in self.handlers:
            if kind in TEMPLATE_HELPERS:
                taken = getattr(app.jinja_env, TEMPLATE_HELPERS[kind])
                if (name or function.__name__) in taken:
                    raise ValueError(f"{kind} {name or function.__name__!r} already exists")

    def apply(self, app: Flask, plugin: str, failures: FailureLog) -> None:
        for name, command in self.commands:
            app.cli.add_command(command, name)
        for kind, function, name in self.handlers:
            safe = guarded(function, plugin, f"{kind} {function.__name__}", failures, fallback=FALLBACKS[kind])
            if kind in REQUEST_HOOKS:
                getattr(app, REQUEST_HOOKS[kind]).setdefault(None, []).append(safe)
            else:
                getattr(app.jinja_env, TEMPLATE_HELPERS[kind])[name or function.__name__] = safe


class AppChanges:
    """What a legacy ``site_setup(app)`` registered on the app directly."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.handlers = {kind: {key: list(funcs) for key, funcs in getattr(app, attr).items()}
                         for kind, attr in REQUEST_HOOKS.items()}
        self.commands = dict(app.cli.commands)
        self.helpers = {kind: dict(getattr(app.jinja_env, attr)) for kind, attr in TEMPLATE_HELPERS.items()}

    def added(self) -> list[str]:
        """A description of each registration made since this snapshot."""
        found = [f"CLI command {name!r}" for name in self.app.cli.commands if name not in self.commands]
        for kind, attr in REQUEST_HOOKS.items():  # app-wide ones (a blueprint's serve only its routes)
            before = self.handlers[kind].get(None, ())
            found += [f"{kind} {f.__name__}" for f in getattr(self.app, attr).get(None, ()) if f not in before]
        for kind, attr in TEMPLATE_HELPERS.items():
            found += [f"{kind} {name!r}" for name, value in getattr(self.app.jinja_env, attr).items()
                      if self.helpers[kind].get(name) is not value]
        return found

    def undo(self) -> None:
        """Take back every registration made since the snapshot."""
        for kind, attr in REQUEST_HOOKS.items():
            registry = getattr(self.app, attr)
            registry.clear()
            registry.update({key: list(funcs) for key, funcs in self.handlers[kind].items()})
        self.app.cli.commands.clear()
        self.app.cli.commands.update(self.commands)
        for kind, attr in TEMPLATE_HELPERS.items():
            helpers = getattr(self.app.jinja_env, attr)
            helpers.clear()
            helpers.update(self.helpers[kind])

    def guard(self, plugin: str, failures: FailureLog) -> None:
        """Put each request hook and template helper added since the snapshot in an error boundary."""
        for kind, attr in REQUEST_HOOKS.items():
            funcs, before = getattr(self.app, attr).get(None, []), self.handlers[kind].get(None, ())
            check = returning_response if kind == "after_request" else (lambda f: f)
            funcs[:] = [f if f in before else guarded(check(f), plugin, f"{kind} {f.__name__}", failures,
                                                        fallback=FALLBACKS[kind]) for f in funcs]
        for kind, attr in TEMPLATE_HELPERS.items():
            helpers = getattr(self.app.jinja_env, attr)
            for name, value in list(helpers.items()):
                if self.helpers[kind].get(name) is not value and callable(value):
                    helpers[name] = guarded(value, plugin, f"{kind} {name}", failures, fallback=FALLBACKS[kind])
