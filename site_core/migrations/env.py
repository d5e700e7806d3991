"""Alembic environment of site_core: the core's tables and every plugin's.

Run by ``flask db ...`` (Flask-Migrate) and by ``flask init-db``, always in
an app context: the engine is the app's, the models are those of the core
and of the enabled plugins (``db.metadata``).
"""
from alembic import context
from flask import current_app

from site_core.db import UTCDateTime, db

config = context.config


def include_object(obj, name, type_, reflected, compare_to):
    """Never propose dropping a table the models do not know.

    Such a table belongs to a disabled or uninstalled plugin; dropping it
    is a decision for a hand-written migration, not for autogenerate.
    """
    return not (type_ == "table" and reflected and compare_to is None)


def render_item(type_, obj, autogen_context):
    """Write ``UTCDateTime`` columns as plain ``sa.DateTime()`` (what is stored)."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def skip_empty_revisions(context_, revision, directives):
    """`flask db migrate` with no model change writes no empty file."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        config.print_stdout("No changes in schema detected.")


def options() -> dict:
    settings = dict(current_app.extensions["migrate"].configure_args)
    settings.setdefault("include_object", include_object)
    settings.setdefault("render_item", render_item)
    settings.setdefault("process_revision_directives", skip_empty_revisions)
    return settings


def run_offline() -> None:
    """``--sql``: print the SQL instead of running it."""
    context.configure(url=db.engine.url, target_metadata=db.metadata, literal_binds=True,
                      **options())
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    with db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=db.metadata, **options())
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
