"""Storage: atomic upserts, nothing lost under concurrency, a locked database never breaks the page."""
from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from site_core import clock, create_app
from site_core.db import db, write_transaction
from site_visit_counter import raw_write, state
from site_visit_counter.counting import write_pending
from site_visit_counter.models import days, visitors

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
FROZEN = "2024-05-06 10:00:00"
MORNING = dt.datetime(2024, 5, 6, 3, 0, tzinfo=dt.timezone.utc)  # 10:00 in Ho Chi Minh City


def is_sqlite(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def day_rows(app) -> list[tuple]:
    """The day rows, once this process's pending page views are written."""
    write_pending(app)
    with app.app_context(), db.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(sa.select(days.c.visits, days.c.page_views, days.c.bot_views))]


def test_every_pooled_sqlite_connection_really_has_wal_and_the_busy_timeout(counter_app):
    app = counter_app({"SQLITE_BUSY_TIMEOUT_MS": 4321})
    if not is_sqlite(app):
        pytest.skip("SQLite pragmas")
    with app.app_context():
        with db.engine.connect() as a, db.engine.connect() as b, write_transaction() as c:
            for connection in (a, b, c):
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 4321
        with raw_write.page_view_transaction() as raw:  # the batch writer's, on the raw connection
            assert raw.send("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert raw.send("PRAGMA busy_timeout").fetchone()[0] == 4321


def test_page_view_writes_have_sqlite_wal_normal_durability_on_postgresql_too(counter_app):
    """The page view's commit does not wait for the disk (a server crash may lose the last
    moments of counts, as with SQLite's WAL + NORMAL); every other write still waits."""
    app = counter_app()
    if is_sqlite(app):
        pytest.skip("PostgreSQL's synchronous_commit (SQLite: see the pragma test)")
    with app.app_context():
        with raw_write.page_view_transaction() as raw:
            assert raw.send("SHOW synchronous_commit").fetchone()[0] == "off"
        with write_transaction() as connection:  # votes, imports, the CLI
            assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
        with raw_write.page_view_transaction():  # the setting did not leak into the pool
            pass
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"


def test_a_hit_is_written_with_atomic_upserts_and_never_read_back_first(site_app, visit, statements_sent):
    with statements_sent(site_app) as seen:
        visit(site_app.test_client())
        write_pending(site_app)
    writes = [s for s in seen if s.startswith("INSERT INTO visit_counter_days")]
    assert len(writes) == 1
    assert "ON CONFLICT (day) DO UPDATE SET" in writes[0]
    assert "visits = visit_counter_days.visits + excluded.visits" in writes[0]
    before = seen[:seen.index(writes[0])]
    begin = max(i for i, s in enumerate(before)  # SQLite's explicit BEGIN, or PostgreSQL's first write
                if s == "BEGIN IMMEDIATE" or s.startswith("INSERT INTO visit_counter_visitors"))
    in_transaction = before[begin:]
    assert not [s for s in in_transaction if "FROM visit_counter_days" in s]


def hold_lock(app):
    """A second connection that holds the write lock (SQLite) or today's row (PostgreSQL)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        return holder.rollback, holder.close
    engine = sa.create_engine(url)
    connection = engine.connect()
    with app.app_context():
        day = clock.today()
    connection.execute(sa.select(days).where(days.c.day == day).with_for_update())
    return connection.rollback, lambda: (connection.close(), engine.dispose())


@pytest.mark.parametrize("interval", [0, 60_000])
def test_a_locked_database_does_not_break_the_page_and_its_page_views_wait(counter_app, at, visit, caplog,
                                                                         make_article, interval):
    app = counter_app({"SQLITE_BUSY_TIMEOUT_MS": 50}, write_interval_ms=interval)
    at(app, FROZEN)
    article = make_article(app, title="Bài có bộ đếm")
    visit(app.test_client(), ip="192.0.2.1")
    assert day_rows(app) == [(1, 1, 0)]
    release, close = hold_lock(app)
    try:
        with caplog.at_level(logging.ERROR, logger="site_core.plugin.visit_counter"):
            response = visit(app.test_client(), ip="192.0.2.2", path=f"/bai-viet/{article.slug}")
            assert not write_pending(app)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert 'data-period="today" data-count="2"' in html  # read despite the lock, this view included
        assert "1 page views not written yet (attempt 1)" in caplog.text
        assert state.get(app).failures >= 1
    finally:
        release()
        close()
    assert day_rows(app) == [(2, 2, 0)]  # written once the lock is gone: nothing lost, nothing twice
    visit(app.test_client(), ip="192.0.2.3")
    assert day_rows(app) == [(3, 3, 0)]


def test_page_views_that_cannot_be_written_wait_for_as_long_as_the_database_is_away(
        counter_app, at, visit, caplog):
    app = counter_app({"SQLITE_BUSY_TIMEOUT_MS": 20}, write_interval_ms=60_000)
    at(app, FROZEN)
    visit(app.test_client(), ip="192.0.2.1")
    assert write_pending(app)
    release, close = hold_lock(app)
    try:
        with caplog.at_level(logging.ERROR, logger="site_core.plugin.visit_counter"):
            for n in range(2, 42):  # forty failed writes, a page view before each
                visit(app.test_client(), ip=f"192.0.2.{n}")
                assert not write_pending(app)
        assert "40 page views not written yet (attempt 40)" in caplog.text
        assert "given up" not in caplog.text
    finally:
        release()
        close()
    assert write_pending(app)
    assert day_rows(app) == [(41, 41, 0)]


def test_beyond_the_memory_bound_the_oldest_visitor_entries_go_and_every_page_view_stays(
        counter_app, at, visit, caplog, monkeypatch):
    from site_visit_counter import pending

    monkeypatch.setattr(pending, "MAX_VISITOR_ENTRIES", 10)
    app = counter_app(write_interval_ms=60_000)
    at(app, FROZEN)
    with caplog.at_level(logging.WARNING, logger="site_core.plugin.visit_counter"):
        for n in range(25):
            visit(app.test_client(), ip=f"192.0.2.{n + 1}")
    assert len(state.get(app).pending.batch.visitors) <= 10
    dropped = sum(int(r.getMessage().split()[1]) for r in caplog.records if "entries dropped" in r.getMessage())
    assert dropped == 15
    assert write_pending(app)
    assert day_rows(app) == [(25 - dropped, 25, 0)]  # every page view; the visits of dropped entries are not


def test_a_read_only_database_file_still_serves_pages(site_app_factory, tmp_path, visit, caplog):
    path = tmp_path / "readonly.db"
    config = {"PLUGINS": {"enabled": ["visit_counter"]}}
    writable = site_app_factory({**config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with writable.app_context():
        db.engine.dispose()
    app = site_app_factory({**config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///file:{path}?mode=ro&uri=true"},
                           create_tables=False)
    with caplog.at_level(logging.ERROR):
        response = visit(app.test_client())
    assert response.status_code == 200
    assert 'data-period="today" data-count="0"' in response.get_data(as_text=True)
    assert "readonly database" in caplog.text
    assert state.get(app).failures >= 1


def test_many_readers_in_threads_lose_nothing(site_app):
    clock.freeze(site_app, MORNING)
    threads, readers, pages = 8, 5, 4

    def reader(thread: int) -> int:
        ok = 0
        for n in range(readers):
            client = site_app.test_client()
            for _ in range(pages):
                response = client.get("/", headers={"User-Agent": BROWSER},
                                      environ_base={"REMOTE_ADDR": f"10.0.{thread}.{n}"})
                ok += response.status_code == 200
        return ok

    with ThreadPoolExecutor(threads) as pool:
        served = sum(pool.map(reader, range(threads)))
    assert served == threads * readers * pages
    assert day_rows(site_app) == [(threads * readers, served, 0)]
    assert state.get(site_app).failures == 0


def _worker(url, instance, barrier, hits, index, results):
    os.environ["SITE_INSTANCE_PATH"] = instance
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": url,
                      "PLUGINS": {"enabled": ["visit_counter"]}})
    clock.freeze(app, MORNING)
    client = app.test_client(use_cookies=False)
    barrier.wait(timeout=60)
    ok = 0
    for n in range(hits):
        response = client.get("/", headers={"User-Agent": BROWSER},
                              environ_base={"REMOTE_ADDR": f"10.{index}.{n // 250}.{n % 250}"})
        ok += response.status_code == 200
    write_pending(app)  # a multiprocessing child ends without atexit: write what waits first
    results.put((ok, state.get(app).failures))


def run_processes(app, tmp_path, processes=4, hits=100):
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(processes), context.Queue()
    workers = [context.Process(target=_worker, args=(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path),
                                                     barrier, hits, i, results)) for i in range(processes)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    return sum(ok for ok, _ in outcomes), sum(failed for _, failed in outcomes)


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_four_processes_hitting_an_empty_table_lose_nothing(site_app_factory, tmp_path, request, database):
    url = (f"sqlite:///{tmp_path / 'multi.db'}" if database == "sqlite"
           else request.getfixturevalue("pg_url"))
    app = site_app_factory({"SQLALCHEMY_DATABASE_URI": url, "PLUGINS": {"enabled": ["visit_counter"]}})
    served, failed = run_processes(app, tmp_path)
    assert (served, failed) == (400, 0)
    assert day_rows(app) == [(400, 400, 0)]  # one row for the day, every 200 counted once
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(visitors)).scalar() == 400


def test_visitor_rows_are_cleaned_up_once_their_window_has_closed(counter_app, at, visit):
    app = counter_app(online_minutes=45)

    def keys():
        write_pending(app)
        with app.app_context(), db.engine.connect() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(visitors)).scalar()

    at(app, "2024-05-06 08:00:00")
    for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        visit(app.test_client(), ip=ip)
    at(app, "2024-05-06 08:40:00")  # past the visit window, inside the online window: kept
    visit(app.test_client(), ip="192.0.2.4")
    assert keys() == 4
    at(app, "2024-05-06 08:46:00")  # the first three are past both windows: gone on this hit
    visit(app.test_client(), ip="192.0.2.5")
    assert keys() == 2


def test_the_cleanup_command_deletes_expired_visitors(counter_app, at, visit):
    app = counter_app()
    at(app, "2024-05-06 08:00:00")
    visit(app.test_client(), ip="192.0.2.1")
    visit(app.test_client(), ip="192.0.2.2")
    at(app, "2024-05-06 08:20:00")
    output = app.test_cli_runner().invoke(args=["counter", "cleanup"]).output
    assert output.startswith("deleted 0 visitor rows")
    at(app, "2024-05-06 08:31:00")
    output = app.test_cli_runner().invoke(args=["counter", "cleanup"]).output
    assert output.startswith("deleted 2 visitor rows")


@pytest.mark.parametrize("commit_happened", [True, False])
def test_a_write_whose_commit_was_not_confirmed_is_written_again_only_if_it_did_not_commit(
        counter_app, visit, monkeypatch, commit_happened):
    """The connection breaks as COMMIT is sent (PostgreSQL): the server's word decides, never a guess."""
    site_app = counter_app(write_interval_ms=60_000)
    if not site_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: an SQLite commit cannot be lost on the way")
    end = raw_write.RawWrite.end

    def connection_lost(write, commit):
        end(write, commit=commit and commit_happened)
        raise sa.exc.OperationalError("COMMIT", None, Exception("server closed the connection unexpectedly"))

    visit(site_app.test_client(), ip="192.0.2.1")
    with monkeypatch.context() as patched:
        patched.setattr(raw_write.RawWrite, "end", connection_lost)
        assert not write_pending(site_app)
    assert write_pending(site_app)
    assert [row[1] for row in day_rows(site_app)] == [1]
