"""For browsers and monitoring: ``/favicon.ico`` and ``/-/health``.

The favicon is ``FAVICON`` (a file, relative to the instance folder) or
the core's default. ``/-/health`` answers JSON for a monitor or a load
balancer: 200 with ``"status": "ok"`` when the database answers and its
schema is at the newest revisions, 503 otherwise. It also reports the
answering worker's page cache (pages kept, their bytes, the limit, hits,
misses, evictions; null when ``PAGE_CACHE`` is off) and counts the
plugins that failed to load: a failed widget leaves the site serving, so
it does not make the site unhealthy, but a monitor can alert on the
number. Nothing in the answer is secret (no addresses, versions or errors;
those go to the log).
"""
from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from flask import Blueprint, Flask, current_app, jsonify, send_file

from . import migrations, page_cache, plugins
from .config import ConfigError
from .db import db

blueprint = Blueprint("operations", __name__)
log = logging.getLogger("site_core")


def favicon_path(app: Flask) -> Path:
    if not app.config["FAVICON"]:
        return Path(app.root_path) / "static" / "favicon.ico"
    path = Path(app.instance_path) / app.config["FAVICON"]  # an absolute path stays as it is
    if not path.is_file():
        raise ConfigError(f"FAVICON: {str(path)!r} is not a file")
    return path


@blueprint.get("/favicon.ico")
def favicon():
    return send_file(current_app.extensions["site_core.favicon"], max_age=86400)


def _database_state() -> tuple[str, str]:
    """(database, migrations): each "ok", or what is wrong."""
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except sa.exc.SQLAlchemyError as error:
        log.error("health: database unreachable: %s", error)
        return "unreachable", "unknown"
    wanted = current_app.extensions.setdefault("site_core.migration_targets", set(migrations.targets()))
    return "ok", "ok" if wanted <= current else "pending"


@blueprint.get("/-/health")
def health():
    database, schema = _database_state()
    healthy = database == schema == "ok"
    failed = sum(1 for plugin in plugins.get().installed.values() if plugin.status == "failed")
    kept = page_cache.store()
    response = jsonify(status="ok" if healthy else "error", database=database, migrations=schema,
                       plugins_failed=failed, page_cache=kept.stats() if kept else None)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.extensions["site_core.favicon"] = favicon_path(app)
    app.register_blueprint(blueprint)
