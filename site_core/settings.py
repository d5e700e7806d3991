"""Plugin settings: declared defaults and types, validated at start-up."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    """A declared setting: its default, and optionally choices or bounds."""

    default: Any
    choices: tuple | None = None
    minimum: float | None = None
    maximum: float | None = None
    help: str = ""

    def check(self, plugin: str, key: str, value: Any) -> Any:
        where = f"[PLUGINS.{plugin}] {key}"
        expected = type(self.default)
        if expected is float and type(value) is int:
            value = float(value)
        if expected in (list, tuple) and isinstance(value, (list, tuple)):
            value = expected(value)
        if type(value) is not expected and not (expected is dict and isinstance(value, Mapping)):
            raise SettingError(
                f"{where} must be {_type_name(expected)}, got {value!r} ({_type_name(type(value))})"
            )
        if self.choices is not None and value not in self.choices:
            raise SettingError(f"{where} must be one of {', '.join(map(repr, self.choices))}, got {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise SettingError(f"{where} must be at least {self.minimum}, got {value!r}")
        if self.maximum is not None and value > self.maximum:
            raise SettingError(f"{where} must be at most {self.maximum}, got {value!r}")
        return value


class SettingError(RuntimeError):
    """A plugin setting is unknown or has the wrong type or value."""


def _type_name(kind: type) -> str:
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string",
            list: "a list", tuple: "a list", dict: "a table"}.get(kind, kind.__name__)


def declare(plugin: str, declared: Mapping[str, Any]) -> dict[str, Setting]:
    """The plugin's declared settings, each default checked against its own declaration.

    A default outside its own choices or bounds is the plugin's bug: ``ValueError``.
    """
    specs = {k: v if isinstance(v, Setting) else Setting(v) for k, v in declared.items()}
    for key, spec in specs.items():
        try:
            spec.check(plugin, key, spec.default)
        except SettingError as error:
            raise ValueError(f"the declared default of {key!r} breaks its own declaration: {error}") from None
    return specs


def resolve(plugin: str, specs: Mapping[str, Setting], given: Mapping[str, Any]) -> dict:
    """Merge the admin's ``given`` values over the declared defaults, checking each."""
    unknown = sorted(set(given) - set(specs))
    if unknown:
        known = ", ".join(sorted(specs)) or "none"
        raise SettingError(f"[PLUGINS.{plugin}] unknown setting {unknown[0]!r} (known: {known})")
    values = {key: spec.default for key, spec in specs.items()}
    for key, value in given.items():
        values[key] = specs[key].check(plugin, key, value)
    return values
