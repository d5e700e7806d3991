"""site_core: a small news-portal engine whose sidebar widgets are plugins.

``create_app`` builds the Flask app; ``hookimpl`` marks a plugin's hook
implementations (see :mod:`site_core.hookspecs`).
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from zoneinfo import ZoneInfo

import pluggy
from flask import Flask, g, request
from flask_wtf.csrf import CSRFProtect

hookimpl = pluggy.HookimplMarker("site_core")

from .privacy import Cookie, DataKept, PrivacyNotice  # noqa: E402
from .settings import Setting  # noqa: E402
from .widgets import Page, Widget  # noqa: E402

__all__ = ["create_app", "hookimpl", "Setting", "Widget", "Page", "PrivacyNotice", "Cookie", "DataKept"]

csrf = CSRFProtect()


def create_app(config: Mapping | None = None) -> Flask:
    """Build the site. ``config`` overrides every other configuration source."""
    from . import cli

    with cli.config_errors_in_one_line():
        return _build(config, secret_required=cli.serves_requests())


def _build(config: Mapping | None, secret_required: bool) -> Flask:
    from . import (cli, config as site_config, feeds, menu, migrations, operations, page_cache, plugins, privacy,
                   reader_forms, routing, security, sessions, sitemap, views)
    from .articles import Article  # noqa: F401  (registers the models)
    from .cache import cache
    from .content import Sanitiser
    from .content_version import READER_KEY, KeptReader, ProcessCache, arrivals_stamped
    from .db import configure_engine, db

    app = Flask(__name__, instance_path=os.environ.get("SITE_INSTANCE_PATH") or None,
                instance_relative_config=True)
    site_config.load(app, config, secret_required=secret_required)
    menu.validate(app.config.get("MENU"))
    app.extensions["site_core.zone"] = ZoneInfo(app.config["SITE_TIMEZONE"])
    app.extensions["site_core.sanitiser"] = Sanitiser(app.config["IMAGE_HOSTS"])
    app.extensions["site_core.content_cache"] = ProcessCache()

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        app.extensions[READER_KEY] = KeptReader(db.engine)
    migrations.init_app(app)  # `flask db ...`; init-db upgrades through it
    sessions.init_app(app)
    csrf.init_app(app)
    reader_forms.init_app(app)
    cache.init_app(app)
    security.init_app(app)
    routing.init_app(app)  # before any blueprint: their rules use its converters
    app.register_blueprint(views.reader)
    app.register_blueprint(views.introspection)
    app.register_blueprint(feeds.blueprint)
    app.register_blueprint(privacy.blueprint)
    sitemap.init_app(app)
    operations.init_app(app)
    cli.init_app(app)
    _template_helpers(app)
    app.jinja_env.globals["site_menu"] = menu.site_menu
    plugins.init_app(app)
    page_cache.init_app(app)
    _page_view_hook(app)
    app.wsgi_app = arrivals_stamped(app.wsgi_app)
    return app


def _template_helpers(app: Flask) -> None:
    """Template globals, and the theme folders before the code's templates (see :mod:`.theme`)."""
    from . import clock, sharing, theme
    from .formatting import format_number
    from .holes import per_reader
    from .widgets import page_assets, render_sidebar

    app.jinja_env.globals.update(render_sidebar=render_sidebar, page_assets=page_assets,
                                 posted_at=clock.posted_at, per_reader=per_reader)
    app.jinja_env.filters.update(local_time=clock.local, number=format_number)
    sharing.init_app(app)
    theme.init_app(app)


def _page_view_hook(app: Flask) -> None:
    from . import plugins
    from .widgets import is_page_view, publish_internals, server_timing_header

    @app.after_request
    def _after(response):
        if response.status_code == 200 and is_page_view():
            for _ in plugins.get(app).call_each("site_page_view", request=request,
                                                response=response, article=g.get("article")):
                pass
        timing = server_timing_header()
        if timing and publish_internals():
            response.headers["Server-Timing"] = timing
        return response
