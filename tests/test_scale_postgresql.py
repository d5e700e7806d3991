"""PostgreSQL connections bound lock waits as SQLite's busy timeout does.

The bound is set as each connection opens (no round trip per transaction);
like an SQLite pragma it could silently not apply, so the test reads the
live value from pooled connections and checks that a held lock ends in an
error after the bound, not a hung request.
"""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from site_core.db import db, write_transaction


def test_every_pooled_connection_waits_for_a_lock_at_most_the_configured_time(site_app_factory, pg_url):
    app = site_app_factory({"SQLALCHEMY_DATABASE_URI": pg_url, "PLUGINS": {"enabled": []},
                            "SQLITE_BUSY_TIMEOUT_MS": 300})
    with app.app_context():
        with db.engine.connect() as a, db.engine.connect() as b, write_transaction() as c:
            assert len({id(x.connection.dbapi_connection) for x in (a, b, c)}) == 3
            for connection in (a, b, c):
                assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "300ms"
        assert db.session.connection().exec_driver_sql("SHOW lock_timeout").scalar() == "300ms"
        db.session.remove()

        with db.engine.connect() as holder:
            holder.exec_driver_sql("LOCK TABLE articles IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
                with write_transaction() as writer:
                    writer.exec_driver_sql("SELECT count(*) FROM articles")
            assert time.monotonic() - started < 5  # gave up after the bound, did not hang
