"""``flask`` commands of the core: init-db, load-demo, import-articles, resanitise, search, plugins.

Under the ``flask`` command a configuration error is one line on stderr and
exit status 2 (the traceback only with ``flask --debug``). Only ``flask run``
needs ``SECRET_KEY``: the other commands serve no request and sign nothing.
"""
from __future__ import annotations

import contextlib
from pathlib import Path

import click
import sqlalchemy as sa
import tomlkit
from flask import Flask, current_app
from flask.cli import ScriptInfo, with_appcontext
from flask.helpers import get_debug_flag

from . import plugins as plugin_registry
from . import search_index
from .articles import Article, delete_article, notify_change
from .config import ConfigError
from .db import begin_write, db
from .importer import import_paths
from .settings import SettingError

CONFIG_ERRORS = (ConfigError, SettingError, plugin_registry.PluginError)


def _flask_command() -> click.Context | None:
    """The ``flask`` command's context, if it is the one building the app."""
    context = click.get_current_context(silent=True)
    return context if context is not None and context.find_object(ScriptInfo) is not None else None


def serves_requests() -> bool:
    """False while the ``flask`` command builds the app for anything but ``flask run``."""
    context = _flask_command()
    return context is None or context.command.name == "run"


@contextlib.contextmanager
def config_errors_in_one_line():
    """Under the ``flask`` command (without ``--debug``): a config error is one line, exit status 2."""
    try:
        yield
    except CONFIG_ERRORS as error:
        if _flask_command() is None or get_debug_flag():
            raise
        click.secho("Error: " + " ".join(str(error).split()), err=True, fg="red")
        raise SystemExit(2) from None


def init_db() -> None:
    """Bring the database to the newest schema: the core's and every enabled plugin's.

    The same as ``flask db upgrade`` of the core's and the enabled plugins'
    branches (Alembic), then ``create_all`` for tables no migration owns.
    Safe to run again; existing rows are kept. See :mod:`site_core.migrations`.
    """
    from . import migrations

    migrations.upgrade()


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or upgrade the database tables (safe to run again; keeps data)."""
    init_db()
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


@click.command("import-articles")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@with_appcontext
def import_articles_command(paths):
    """Import articles from JSON Lines (.jsonl) or Markdown (.md) files."""
    init_db()
    report = import_paths(list(paths))
    for error in report.errors:
        click.echo(error, err=True)
    click.echo(f"created: {report.created}, updated: {report.updated}, failed: {report.failed}")
    if report.failed:
        raise SystemExit(1)


@click.command("delete-article")
@click.argument("slug")
@with_appcontext
def delete_article_command(slug):
    """Delete the article with SLUG (plugins are told, e.g. related lists update)."""
    begin_write()
    article = db.session.scalar(sa.select(Article).where(Article.slug == slug))
    if article is None:
        raise click.ClickException(f"no article with slug {slug!r}")
    delete_article(article)
    db.session.commit()
    notify_change(article, "deleted")
    click.echo(f"deleted: {slug}")


@click.command("load-demo")
@with_appcontext
def load_demo_command():
    """Load the demo articles, then each enabled plugin's demo data (idempotent)."""
    from .demo import ARTICLES

    init_db()
    report = import_paths([ARTICLES])
    click.echo(f"articles: created {report.created}, updated {report.updated}, failed {report.failed}")
    for error in report.errors:
        click.echo(error, err=True)
    registry = plugin_registry.get()
    for plugin, summary in registry.call_each("site_demo_data", app=current_app._get_current_object()):
        db.session.commit()
        click.echo(f"{plugin.name}: {summary or 'done'}")


@click.command("resanitise")
@click.option("--dry-run", is_flag=True, help="Only list the bodies that would change.")
@with_appcontext
def resanitise_command(dry_run):
    """Clean every stored article and page body again with today's allow-list.

    Run it after narrowing what bodies may hold (IMAGE_HOSTS, the sanitiser):
    bodies stored before still hold what is no longer allowed.
    """
    from .resanitise import resanitise

    report = resanitise(dry_run=dry_run)
    for name in report.changed:
        click.echo(("would change: " if dry_run else "cleaned: ") + name)
    click.echo(f"{report.checked} bodies checked, {len(report.changed)} "
               f"{'would change' if dry_run else 'changed'}.")


@click.group("search")
def search_command():
    """The search index."""


@search_command.command("rebuild")
@with_appcontext
def search_rebuild_command():
    """Fill the search index afresh from every article (after a restore or an import without it)."""
    begin_write()
    indexed = search_index.rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"Search index rebuilt: {indexed} articles.")


@click.group("plugins", invoke_without_command=True)
@click.pass_context
@with_appcontext
def plugins_command(context):
    """List installed plugins; `enable NAME` / `disable NAME` edit the config."""
    if context.invoked_subcommand is not None:
        return
    rows = [("NAME", "VERSION", "DISTRIBUTION", "STATUS", "HOOKS")]
    for info in plugin_registry.get().describe():
        status = info["status"] + (f" ({info['error']})" if info["error"] else "")
        rows.append((info["name"], info["version"], info["distribution"], status, ", ".join(info["hooks"])))
    if len(rows) == 1:
        click.echo("No plugins installed (entry point group site_core.plugins).")
        return
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])


def _edit_toggles(name: str, enable: bool) -> Path:
    """Move ``name`` between ``enabled``/``disabled`` in instance/config.toml, keeping comments."""
    installed = plugin_registry.get().installed
    if name not in installed:
        raise click.ClickException(f"plugin {name!r} is not installed (installed: {', '.join(sorted(installed)) or 'none'})")
    path = Path(current_app.instance_path) / "config.toml"
    document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    if "PLUGINS" not in document:
        document["PLUGINS"] = tomlkit.table()
    table = document["PLUGINS"]
    add, remove = ("enabled", "disabled") if enable else ("disabled", "enabled")
    if remove in table and name in table[remove]:
        table[remove].remove(name)
    if add == "enabled" and "enabled" not in table:
        pass  # no explicit list: every installed plugin not disabled is on
    elif add in table:
        if name not in table[add]:
            table[add].append(name)
    else:
        table[add] = tomlkit.array().multiline(False)
        table[add].append(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path


@plugins_command.command("enable")
@click.argument("name")
@with_appcontext
def enable_command(name):
    """Enable plugin NAME in instance/config.toml (restart to apply)."""
    path = _edit_toggles(name, enable=True)
    click.echo(f"{name} enabled in {path}; restart the site to apply.")


@plugins_command.command("disable")
@click.argument("name")
@with_appcontext
def disable_command(name):
    """Disable plugin NAME in instance/config.toml (restart to apply)."""
    path = _edit_toggles(name, enable=False)
    click.echo(f"{name} disabled in {path}; restart the site to apply.")


def init_app(app: Flask) -> None:
    for command in (init_db_command, import_articles_command, delete_article_command,
                    load_demo_command, resanitise_command, search_command, plugins_command):
        app.cli.add_command(command)
