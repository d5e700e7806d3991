"""PostgreSQL connections bound lock waits as SQLite's busy timeout does.

The bound is set as each connection opens (no round trip per transaction);
like an SQLite pragma it could silently not apply, so the test reads the
live value from pooled connections and checks that a held lock ends in an
error after the bound, not a hung request.
"""
from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from site_core import clock
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

        locked, done = threading.Event(), threading.Event()

        def hold_lock():  # for 10 s at most: a writer without the bound would then get the table
            with app.app_context(), db.engine.connect() as holder:
                holder.exec_driver_sql("LOCK TABLE articles IN ACCESS EXCLUSIVE MODE")
                locked.set()
                done.wait(10)

        holder = threading.Thread(target=hold_lock)
        holder.start()
        locked.wait()
        try:
            with pytest.raises(sa.exc.OperationalError, match="lock timeout"):  # gave up after the bound
                with write_transaction() as writer:
                    writer.exec_driver_sql("SELECT count(*) FROM articles")
        finally:
            done.set()
            holder.join()


def test_reader_pages_read_in_autocommit_and_the_beacon_does_not_read_at_all(site_app_factory, pg_url,
                                                                             make_article):
    """No BEGIN and ROLLBACK round trips around a page's reads; the counter's beacon, which
    shows no figures, needs no read once the day's salt is known."""
    pytest.importorskip("site_visit_counter", reason="the visit counter is not installed")
    from site_visit_counter.counting import write_pending

    app = site_app_factory({"SQLALCHEMY_DATABASE_URI": pg_url, "PLUGINS": {
        "enabled": ["visit_counter"], "visit_counter": {"mode": "beacon", "write_interval_ms": 60_000}}})
    clock.freeze(app, dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.timezone.utc))  # noon, not just after midnight
    article = make_article(app, title="Bài đọc không cần giao dịch")
    autocommit, sent = [], []

    def through_sqlalchemy(connection, cursor, statement, *rest):
        autocommit.append(connection.connection.dbapi_connection.autocommit)
        sent.append(statement)

    def read(address: str) -> None:
        assert app.test_client().get(f"/bai-viet/{article.slug}").status_code == 200

    def count(address: str) -> None:
        beacon = app.test_client().post("/visit_counter/hit", environ_base={"REMOTE_ADDR": address},
                                        headers={"Sec-Fetch-Site": "same-origin", "User-Agent": "Mozilla/5.0"})
        assert beacon.status_code == 204

    count("192.0.2.1")  # the first makes the day's salt, in a write transaction of its own
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", through_sqlalchemy)
    try:
        read("192.0.2.2")
        reads = len(sent)
        count("192.0.2.2")
    finally:
        with app.app_context():
            sa.event.remove(db.engine, "before_cursor_execute", through_sqlalchemy)
    assert autocommit and all(autocommit), autocommit
    assert any("visit_counter_days" in statement for statement in sent)  # the widget's figures were read
    assert len(sent) == reads  # the beacon sent nothing
    write_pending(app)
