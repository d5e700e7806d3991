"""Schema migrations: Alembic (through Flask-Migrate) for the core and each plugin.

This folder is the Alembic environment. The core's revisions live in
``versions/`` (branch ``site_core``); a plugin ships its own in a
``migrations/`` folder beside its plugin module (its own branch, named after
the plugin, whose base revision ``depends_on`` the core's base
``site_core_0001``). Every installed plugin's folder is a version location,
so the history of a plugin that was enabled once and is disabled now still
resolves; :func:`upgrade` moves only the core and the enabled plugins.

A plugin without a ``migrations/`` folder (a quick widget) still gets its
tables: :func:`upgrade` ends with ``create_all``, which creates the tables
no migration made. Once a plugin ships migrations, they must create all of
its tables.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import click
import flask_migrate
from alembic import command
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import Migrate
from flask_migrate.cli import db as flask_migrate_group

from .. import plugins as plugin_registry
from ..db import db

DIRECTORY = Path(__file__).resolve().parent
CORE_VERSIONS = DIRECTORY / "versions"
CORE_BASE = "site_core_0001"
FOLDER = "migrations"


def init_app(app: Flask) -> Migrate:
    """Register Flask-Migrate (``flask db ...``) with this environment.

    ``flask db upgrade`` without a revision does what ``flask init-db``
    does (the core and the enabled plugins to their newest revisions);
    with one, it is Flask-Migrate's own command.
    """
    migrate = Migrate(app, db, directory=str(DIRECTORY))
    migrate.configure(_add_version_locations)
    app.cli.add_command(_db_group(), "db")
    return migrate


def _db_group() -> click.Group:
    """Flask-Migrate's ``db`` group, with ``upgrade`` defaulting to the newest schema."""
    original = flask_migrate_group.commands["upgrade"]

    def run(directory, sql, tag, x_arg, revision):
        if revision is None and not (sql or tag or x_arg or directory):
            upgrade()
            click.echo(f"Database at the newest schema: {', '.join(targets())}")
            return
        flask_migrate.upgrade(directory, revision or "heads", sql, tag, x_arg)

    params = [p for p in original.params if p.name != "revision"]
    params.append(click.Argument(["revision"], required=False, default=None))
    command_ = click.Command("upgrade", params=params, callback=with_appcontext(run),
                             help="Upgrade to a later version (default: the core and enabled plugins "
                                  "to their newest revisions, as `flask init-db`).")
    return click.Group("db", params=flask_migrate_group.params, callback=flask_migrate_group.callback,
                       help=flask_migrate_group.help,
                       commands={**flask_migrate_group.commands, "upgrade": command_})


def _add_version_locations(config):
    locations = [str(CORE_VERSIONS), *(str(p) for p in plugin_folders().values())]
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(locations).replace("%", "%%"))
    return config


def plugin_folders(app: Flask | None = None) -> dict[str, Path]:
    """Each installed plugin's ``migrations/`` folder, by plugin name (if it has one).

    An enabled plugin's folder sits beside its imported module; a disabled
    one is located without importing it.
    """
    folders = {}
    for plugin in plugin_registry.get(app).installed.values():
        root = _plugin_root(plugin)
        if root is not None and (root / FOLDER).is_dir():
            folders[plugin.name] = (root / FOLDER).resolve()
    return folders


def _plugin_root(plugin) -> Path | None:
    """The folder of the plugin's module (the package holding it, or the package itself)."""
    module = plugin.module
    if module is not None and getattr(module, "__file__", None):
        return Path(module.__file__).resolve().parent
    dotted = plugin.entry_point.split(":")[0].strip()
    top, *rest = dotted.split(".")
    try:
        spec = importlib.util.find_spec(top)  # finds, does not import
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return Path(spec.origin).parent if spec and spec.origin else None
    folder = Path(list(spec.submodule_search_locations)[0])
    for part in rest:
        if not (folder / part).is_dir():
            break  # a module inside ``folder``
        folder = folder / part
    return folder


def config(app: Flask | None = None):
    """The Alembic config of ``app`` (as ``flask db`` builds it)."""
    app = app or current_app._get_current_object()
    with app.app_context():
        return app.extensions["migrate"].migrate.get_config()


def targets(app: Flask | None = None) -> list[str]:
    """The head revisions to upgrade to: the core's and the enabled plugins'."""
    return _heads(app or current_app._get_current_object())[0]


def _heads(app: Flask) -> tuple[list[str], list[str]]:
    """(the heads of the core and enabled plugins, every head in the version locations)."""
    script = ScriptDirectory.from_config(config(app))
    enabled = {p.name for p in plugin_registry.get(app).enabled}
    folders = [CORE_VERSIONS, *(f for name, f in plugin_folders(app).items() if name in enabled)]
    every = script.get_heads()  # every branch's head, also one that others depend on
    wanted = []
    for revision in every:
        where = Path(script.get_revision(revision).path).resolve().parent
        if any(folder == where or folder in where.parents for folder in folders):
            wanted.append(revision)
    return wanted, list(every)


def upgrade(app: Flask | None = None) -> None:
    """Bring the database to the newest schema; existing rows are kept.

    Upgrades the core and every enabled plugin to their newest revisions
    (disabled plugins' tables are left as they are), then creates any table
    of an enabled plugin that no migration owns.
    """
    app = app or current_app._get_current_object()
    with app.app_context():
        alembic_config = config(app)
        wanted, every = _heads(app)
        if set(wanted) == set(every):
            command.upgrade(alembic_config, "heads")  # the usual case: one run
        else:
            for revision in wanted:
                command.upgrade(alembic_config, revision)
        db.create_all()
