"""Fixtures for the visit counter's tests: an app with only the counter enabled."""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from site_core import clock
from site_core.db import db
from site_visit_counter import raw_write

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
ROW = re.compile(r'<tr[^>]*data-period="(\w+)" data-count="(\d+)"')


LIVE = {"cache_seconds": 0}  # figures rendered for every page view: the tests read exact figures


@pytest.fixture
def site_config():
    return {"PLUGINS": {"enabled": ["visit_counter"], "visit_counter": LIVE}}


@pytest.fixture
def counter_app(site_app_factory):
    """``counter_app(**settings)``: an app whose counter has these settings."""

    def make(config=None, **settings):
        plugins = {"enabled": ["visit_counter"], "visit_counter": {**LIVE, **settings}}
        return site_app_factory({"PLUGINS": plugins, **(config or {})})

    return make


def local(text: str) -> dt.datetime:
    """A wall-clock time in Ho Chi Minh City, e.g. ``local("2024-12-31 23:59:59")``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=HCM)


@pytest.fixture
def at():
    """``at(app, "YYYY-MM-DD HH:MM:SS")``: freeze the app's clock at that local time."""

    def freeze(app, text: str):
        clock.freeze(app, local(text))

    return freeze


@pytest.fixture
def visit():
    """``visit(client, ip=..., ua=..., path="/", **headers)``: one reader page view."""

    def view(client, ip="198.51.100.7", ua=BROWSER, path="/", method="GET", **headers):
        headers = {"User-Agent": ua, **headers} if ua is not None else headers
        response = client.open(path, method=method, headers=headers, environ_base={"REMOTE_ADDR": ip})
        return response

    return view


@pytest.fixture
def stats():
    """``stats(app)``: the figures as ``flask counter stats --json`` prints them."""

    def read(app) -> dict:
        result = app.test_cli_runner().invoke(args=["counter", "stats", "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    return read


def shown(html: str) -> dict[str, int]:
    """The figures a page shows: period -> data-count."""
    return {period: int(count) for period, count in ROW.findall(html)}


@pytest.fixture
def figures_shown():
    return shown


@pytest.fixture
def statements_sent():
    """``with statements_sent(app) as seen:`` every SQL statement sent meanwhile, in order.

    Both ways statements reach the database: through SQLAlchemy (its
    ``before_cursor_execute`` event) and on the raw DBAPI connection of the
    page view's write (``raw_write.observers``). Whitespace is normalised.
    """

    @contextlib.contextmanager
    def record(app):
        seen = []
        through_sqlalchemy = lambda conn, cursor, statement, *rest: seen.append(" ".join(statement.split()))  # noqa: E731
        raw = lambda statement, params: seen.append(" ".join(statement.split()))  # noqa: E731
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", through_sqlalchemy)
            raw_write.observers.append(raw)
            try:
                yield seen
            finally:
                raw_write.observers.remove(raw)
                sa.event.remove(db.engine, "before_cursor_execute", through_sqlalchemy)

    return record
