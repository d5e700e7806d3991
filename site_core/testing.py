"""pytest fixtures for site_core and widget authors (a ``pytest11`` plugin).

Fixtures:

``site_config``
    The config mapping for ``site_app`` (override it in your conftest or
    test module); default ``{}``.
``site_app``
    An app built by ``create_app`` with ``TESTING`` on, CSRF on, a temporary
    database with every table created, and ``site_config`` on top.
    Plugins load strictly (``PLUGINS_STRICT``): a plugin that fails to load
    fails the test with its reason. Only the plugins the config names are
    enabled (``{"PLUGINS": {"enabled": ["my_widget"]}}``); a config without
    ``PLUGINS`` enables none, so an unrelated plugin installed in the same
    environment cannot break your tests. ``{"PLUGINS": {}}`` enables every
    installed plugin, as on a site.
``site_client``
    ``site_app.test_client()``.
``site_app_factory``
    ``site_app_factory(config, instance=None) -> app`` for tests that need
    several apps (``instance``: the instance folder, e.g. holding a theme).
``render_widget``
    ``render_widget(name, article=None, app=None) -> str``: one widget's
    HTML, rendered alone (as the sidebar would, with its error boundary);
    ``LookupError`` saying why when the app has no such widget (not
    installed, not enabled, failed to load, or its plugin names it
    differently).
``make_article``
    ``make_article(app, title=..., **fields) -> Article``: saved, committed,
    and announced to plugins like an import.
``pg_url``
    The URL of a scratch PostgreSQL schema; skips when no server answers.

Helpers for reading pages by the markup the site promises (``data-*``):
``page_numbers(html, "data-period", "data-count")`` -> ``{"today": 3, …}``
(also ``data-option``/``data-votes``), ``form_token(html)``, the CSRF
token of the first form, ``free_port()``, a free loopback port, and
``stop_process(process)``, which stops a server the test started.

The database is SQLite in a temporary folder unless ``--site-database-url``
(or the ``SITE_TEST_DATABASE_URL`` environment variable) names a PostgreSQL
database: then every app gets a schema of its own, dropped afterwards.
Tables are made as ``flask init-db`` makes them (Alembic migrations, then
``create_all`` for tables no migration owns).

``PluginError`` (a plugin failed to load) and ``SettingError`` (an admin's
setting is wrong) are here too, for ``pytest.raises``.

A Hypothesis profile ``ci`` (modest example counts, no deadline) is
registered: ``pytest --hypothesis-profile=ci``.
"""
from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from .plugins import PluginError
from .settings import SettingError

__all__ = ["PluginError", "SettingError", "page_numbers", "form_token", "postgres_reachable", "scratch_schema"]

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class _Attributes(HTMLParser):
    """Every start tag's attributes, in document order."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append(dict(attrs))


def page_numbers(html: str, key: str, value: str) -> dict[str, int]:
    """``{element[key]: int(element[value])}`` for every element carrying both."""
    return {a[key]: int(a[value]) for a in _Attributes(html).found if key in a and value in a}


def form_token(html: str) -> str:
    """The value of the first ``csrf_token`` field in ``html``."""
    return next(a["value"] for a in _Attributes(html).found if a.get("name") == "csrf_token")
ENV = "SITE_TEST_DATABASE_URL"

try:
    from hypothesis import HealthCheck, settings as _hypothesis
except ImportError:  # the test kit does not need Hypothesis
    pass
else:  # CI on two cores: few examples, no flaky deadlines; a test's own @settings still wins
    _hypothesis.register_profile("ci", max_examples=25, deadline=None, print_blob=True,
                                 suppress_health_check=[HealthCheck.too_slow])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a server a test starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


NGINX_CONFIG = """
{user}
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    proxy_cache_path {folder}/cache levels=1:2 keys_zone=site_pages:10m max_size=100m inactive=10m use_temp_path=off;
    include {snippets}/site-http.conf;
    upstream site_core {{ server {upstream} fail_timeout=0; }}
    server {{
        listen 127.0.0.1:{port};
        include {snippets}/site-server.conf;
        location / {{
            proxy_pass http://site_core;
            {cache}
        }}
    }}
}}
"""


def nginx_config(folder, snippets, upstream: str, port: int, cache: bool = True) -> str:
    """nginx.conf as the deployment guide sets nginx up (its snippets in ``snippets``) before
    ``upstream`` (``host:port``), listening on ``port``, its files in ``folder``."""
    user = "user root;" if os.geteuid() == 0 else ""  # its workers must reach the folder
    return NGINX_CONFIG.format(user=user, folder=folder, snippets=snippets, upstream=upstream, port=port,
                               cache=f"include {snippets}/page-cache.conf;" if cache else "")


def start_gunicorn(root: Path, app: str, env: Mapping, log: Path, options: tuple = (), prefix: tuple = (),
                   ready: Callable[[str], bool] | None = None, limit: float = 60) -> tuple[subprocess.Popen, str]:
    """``gunicorn -c gunicorn.conf.py APP`` from ``root`` (the README's deployment) on a free
    loopback port, its output in ``log``: (the master, its URL) once it listens (and
    ``ready(url)``, if given). Raises ``RuntimeError`` with its output if it exits or does not
    start within ``limit`` seconds."""
    with open(log, "wb") as handle:  # the child keeps its own copy
        process = subprocess.Popen(
            [*prefix, sys.executable, "-m", "gunicorn", "-c", str(root / "gunicorn.conf.py"),
             "-b", "127.0.0.1:0", *options, app], cwd=root, env=dict(env), stdout=handle, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        output = log.read_text(encoding="utf-8", errors="replace")
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}):\n{output}")
        found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", output)
        if found and (ready is None or ready(found.group(1))):
            return process, found.group(1)
        time.sleep(0.2)
    stop_process(process)
    raise RuntimeError(f"gunicorn did not start within {limit} s:\n{log.read_text(errors='replace')}")


def stop_process(process: subprocess.Popen, timeout: float = 30) -> None:
    """Stop a server started with ``subprocess``: SIGTERM (it shuts down cleanly), SIGKILL after ``timeout`` s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def pytest_addoption(parser):
    parser.addoption("--site-database-url", default=os.environ.get(ENV),
                     help=f"database for site_core tests (default: SQLite; env {ENV})")


def pytest_report_header(config):
    url = config.getoption("--site-database-url")
    return f"site_core test database: {sa.engine.make_url(url).render_as_string() if url else 'SQLite (temporary files)'}"


@contextlib.contextmanager
def scratch_schema(base_url: str):
    """A fresh PostgreSQL schema; yields a URL whose search_path is that schema."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        separator = "&" if "?" in base_url else "?"
        yield f"{base_url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()


def postgres_reachable(url: str = PG_DEFAULT) -> str | None:
    """None if PostgreSQL answers at ``url``, else the reason it does not."""
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as error:  # driver missing, server down, auth refused
        return f"no PostgreSQL server reachable at {url}: {type(error).__name__}: {str(error).strip()[:200]}"


@pytest.fixture(scope="session")
def site_database_url(pytestconfig):
    return pytestconfig.getoption("--site-database-url")


@pytest.fixture
def site_config() -> Mapping:
    return {}


@pytest.fixture
def site_app_factory(tmp_path, site_database_url):
    from site_core import create_app
    from site_core.cli import init_db
    from site_core.db import db

    stack = contextlib.ExitStack()
    apps = []

    def factory(config: Mapping | None = None, *, create_tables: bool = True, instance=None):
        config = dict(config or {})
        if "SQLALCHEMY_DATABASE_URI" not in config:
            if site_database_url and site_database_url.startswith("postgresql"):
                config["SQLALCHEMY_DATABASE_URI"] = stack.enter_context(scratch_schema(site_database_url))
            else:
                config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / f'site-{len(apps)}.db'}"
        settings = {"TESTING": True, "SECRET_KEY": "x" * 32, "WTF_CSRF_ENABLED": True,
                    "CACHE_TYPE": "SimpleCache", "PLUGINS_STRICT": True, "PLUGINS": {"enabled": []}, **config}
        instance = instance or tmp_path / f"instance-{len(apps)}"
        instance.mkdir(parents=True, exist_ok=True)
        previous = os.environ.get("SITE_INSTANCE_PATH")
        os.environ["SITE_INSTANCE_PATH"] = str(instance)
        try:
            app = create_app(settings)
        finally:
            if previous is None:
                os.environ.pop("SITE_INSTANCE_PATH", None)
            else:
                os.environ["SITE_INSTANCE_PATH"] = previous
        apps.append(app)
        if create_tables:
            with app.app_context():
                init_db()
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    stack.close()


@pytest.fixture
def site_app(site_app_factory, site_config):
    return site_app_factory(site_config)


@pytest.fixture
def site_client(site_app):
    return site_app.test_client()


@pytest.fixture
def render_widget(site_app):
    from site_core import plugins
    from site_core.widgets import Page, _render_isolated

    def render(name: str, article=None, app=None) -> str:
        app = app or site_app
        with app.test_request_context("/"):
            for plugin in plugins.get(app).enabled:
                for widget in plugin.widgets:
                    if widget.name == name:
                        return str(_render_isolated(widget, Page(article, plugin)))
        raise LookupError(f"no widget {name!r} in this app: {missing_widget(app, name)}")

    return render


def missing_widget(app, name: str) -> str:
    """Why ``app`` shows no widget ``name``."""
    from site_core import plugins

    registry = plugins.get(app)
    owner = registry.installed.get(name) or next(
        (p for n, p in registry.installed.items() if name.startswith(n + "_")), None)
    if owner is None:
        return f"no plugin {name!r} is installed (installed: {', '.join(sorted(registry.installed)) or 'none'})"
    if owner.status == "failed":
        return f"plugin {owner.name!r} failed to load: {owner.error}"
    if owner.status != "enabled":
        return (f"plugin {owner.name!r} is installed but not enabled in this test: name it, "
                f'e.g. site_config = {{"PLUGINS": {{"enabled": ["{owner.name}"]}}}}')
    return f"plugin {owner.name!r} provides {[w.name for w in owner.widgets] or 'no widget'}"


@pytest.fixture
def make_article():
    from site_core.articles import ArticleInput, notify_change, save_article
    from site_core.db import begin_write, db

    def make(app, **fields):
        fields.setdefault("title", f"Bài viết {uuid.uuid4().hex[:6]}")
        if isinstance(fields.get("tags"), list):
            fields["tags"] = tuple(fields["tags"])
        with app.app_context():
            begin_write()
            article, change = save_article(ArticleInput(**fields))
            db.session.commit()
            notify_change(article, change)
            db.session.refresh(article)
            db.session.expunge(article)
            return article

    return make


@pytest.fixture(scope="session")
def pg_base_url(site_database_url):
    url = site_database_url if site_database_url and site_database_url.startswith("postgresql") else PG_DEFAULT
    reason = postgres_reachable(url)
    if reason:
        pytest.skip(reason)
    return url


@pytest.fixture
def pg_url(pg_base_url):
    with scratch_schema(pg_base_url) as url:
        yield url
