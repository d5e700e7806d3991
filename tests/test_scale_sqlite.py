"""SQLite shared by several workers: WAL, a busy timeout, and BEGIN IMMEDIATE.

Each setting can silently fail to apply (SECURITY.md, part D), so these
tests read the live values from pooled connections and check the behaviour
each one exists for. They always use an SQLite file, whatever database the
rest of the suite runs on.
"""
from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from site_core.db import db, write_transaction


@pytest.fixture
def sqlite_app(site_app_factory, tmp_path):
    """``sqlite_app(**config)``: a core-only site on an SQLite file of its own."""
    def make(**config):
        return site_app_factory({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'site.db'}",
                                 "PLUGINS": {"enabled": []}, **config})
    return make


def live_settings(connection) -> tuple:
    return tuple(connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                 for name in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys"))


def test_every_pooled_connection_reports_wal_and_the_configured_busy_timeout(sqlite_app):
    app = sqlite_app(SQLITE_BUSY_TIMEOUT_MS=4321)
    with app.app_context():
        with db.engine.connect() as a, db.engine.connect() as b, write_transaction() as c:
            connections = {id(x.connection.dbapi_connection) for x in (a, b, c)}
            assert len(connections) == 3  # three distinct pooled connections
            for connection in (a, b, c):
                assert live_settings(connection) == ("wal", 4321, 1, 1)  # synchronous=NORMAL
        with db.engine.connect() as again:  # a connection coming back from the pool
            assert live_settings(again) == ("wal", 4321, 1, 1)
        assert live_settings(db.session.connection()) == ("wal", 4321, 1, 1)


def test_a_write_transaction_takes_the_write_lock_when_it_begins(sqlite_app, tmp_path):
    """BEGIN IMMEDIATE: a transaction that will read then write holds the lock from its start."""
    app = sqlite_app()
    other = sqlite3.connect(tmp_path / "site.db", timeout=0, isolation_level=None)
    with app.app_context():
        with write_transaction() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM articles").scalar()  # only a read so far
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again once it committed
        other.execute("ROLLBACK")
        with db.engine.connect() as plain:  # ordinary reads stay deferred: no lock taken
            plain.exec_driver_sql("SELECT count(*) FROM articles").scalar()
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    other.close()


def hold_write_lock(path, seconds: float, ready: threading.Event, writing: threading.Event,
                    release: threading.Event) -> None:
    """Hold SQLite's write lock from ``ready`` until ``seconds`` after the other writer began
    ``writing``, or until ``release``."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    ready.set()
    writing.wait()
    release.wait(seconds)
    holder.execute("ROLLBACK")
    holder.close()


def write_one_category(app, name: str) -> None:
    with app.app_context(), write_transaction() as connection:
        connection.execute(sa.text("INSERT INTO categories (name, slug) VALUES (:n, :n)"), {"n": name})


@pytest.fixture
def lock_held(tmp_path):
    """``lock_held(seconds)``: another connection holds the write lock until ``seconds`` after
    the caller says it begins writing (``.set()`` on the event returned), or the test ends."""
    threads, release = [], threading.Event()

    def hold(seconds: float) -> threading.Event:
        ready, writing = threading.Event(), threading.Event()
        holder = threading.Thread(target=hold_write_lock,
                                  args=(tmp_path / "site.db", seconds, ready, writing, release))
        holder.start()
        threads.append((holder, writing))
        ready.wait()
        return writing

    yield hold
    release.set()
    for holder, writing in threads:
        writing.set()
        holder.join()


def test_a_writer_waits_for_the_lock_within_the_busy_timeout(sqlite_app, lock_held):
    app = sqlite_app(SQLITE_BUSY_TIMEOUT_MS=30_000)
    lock_held(0.3).set()
    write_one_category(app, "chờ-khoá")  # SQLite's busy handler waits the 0.3 s, then the write succeeds


def test_a_writer_gives_up_after_a_short_busy_timeout(sqlite_app, lock_held):
    """A 50 ms bound, not the driver's 5 s default: the lock is held for 2 s and the write fails."""
    app = sqlite_app(SQLITE_BUSY_TIMEOUT_MS=50)
    lock_held(2.0).set()
    with pytest.raises(sa.exc.OperationalError, match="locked"):
        write_one_category(app, "không-chờ")


def read_then_write(url: str, instance: str, rounds: int, barrier, results) -> None:
    """A worker process: ``rounds`` read-modify-write updates, each in one write transaction."""
    import os

    os.environ["SITE_INSTANCE_PATH"] = instance
    from site_core import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": url,
                      "PLUGINS": {"enabled": []}})
    failures = 0
    barrier.wait(60)
    with app.app_context():
        for _ in range(rounds):
            try:
                with write_transaction() as connection:
                    name = connection.exec_driver_sql("SELECT name FROM categories WHERE id = 1").scalar()
                    connection.execute(sa.text("UPDATE categories SET name = :n WHERE id = 1"),
                                       {"n": str(int(name) + 1)})
            except sa.exc.OperationalError:
                failures += 1
    results.put(failures)


@pytest.mark.slow
def test_four_processes_reading_then_writing_lose_no_update_and_never_see_locked(sqlite_app, tmp_path):
    """Without BEGIN IMMEDIATE most of these fail with "database is locked" (SECURITY.md D3)."""
    app = sqlite_app()
    with app.app_context(), write_transaction() as connection:
        connection.exec_driver_sql("INSERT INTO categories (id, name, slug) VALUES (1, '0', 'so-dem')")
    processes, rounds = 4, 50
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(processes), context.Queue()
    workers = [context.Process(target=read_then_write,
                               args=(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path / "w"), rounds,
                                     barrier, results)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    failures = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert failures == [0] * processes
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT name FROM categories WHERE id = 1").scalar() \
            == str(processes * rounds)
