"""A database outage under load loses no page view and no visit.

The test runs a PostgreSQL server of its own (``initdb`` and ``pg_ctl`` on
a free port, in a temporary folder; the shared server is never touched),
has readers browse without pause, stops the server for a minute, starts it
again, and then counts: every page that answered 200 is one page view, and
every reader who got one is one visit.
"""
from __future__ import annotations

import glob
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import threading

import pytest

from site_core.testing import free_port
from site_visit_counter.counting import write_pending

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

OUTAGE_SECONDS = 60
THREADS = 4
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 reader/{n}"



class PostgresServer:
    """A PostgreSQL cluster of this test's own: trust auth, loopback, a free port."""

    def __init__(self, bin_dir: str):
        self.bin_dir, self.port = bin_dir, free_port()
        self.root = tempfile.mkdtemp(prefix="site-core-pg-")
        self.data = os.path.join(self.root, "data")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        as_root = os.geteuid() == 0
        self.prefix = ["runuser", "-u", "postgres", "--"] if as_root else []  # initdb refuses root
        if as_root:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self.prefix, os.path.join(self.bin_dir, program), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", os.path.join(self.root, "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        subprocess.run([*self.prefix, os.path.join(self.bin_dir, "pg_ctl"), "-D", self.data, "-m",
                        "immediate", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def own_postgres():
    pytest.importorskip("psycopg", reason="psycopg is not installed")
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.skip("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
    server = PostgresServer(os.path.dirname(found[-1]))
    try:
        server.start()
        yield server
    finally:
        server.remove()


def test_a_minute_without_the_database_under_load_loses_no_page_view_and_no_visit(site_app_factory,
                                                                                  own_postgres, caplog):
    """Behind a page cache (beacon mode) readers go on reading while the database is down:
    returning readers, and new ones, whose page views wait in the worker until it is back."""
    app = site_app_factory({"SQLALCHEMY_DATABASE_URI": own_postgres.url,
                            "PLUGINS": {"enabled": ["visit_counter"], "visit_counter": {"mode": "beacon"}}})
    answered: dict[str, list[int]] = {}  # reader -> statuses of their beacons
    stop, outage = threading.Event(), threading.Event()

    def readers(thread: int) -> None:
        for n in itertools.count():
            reader, client = f"192.0.{thread}.{n + 1}", app.test_client()  # keeps its cookie, as a browser does
            answered[reader] = []
            for _ in range(20):  # twenty pages each, then a new reader comes
                if stop.is_set():
                    return
                answered[reader].append(client.post(
                    "/visit_counter/hit", headers={"User-Agent": BROWSER.format(n=reader),
                                                   "Sec-Fetch-Site": "same-origin"},
                    environ_base={"REMOTE_ADDR": reader}).status_code)
                stop.wait(0.02)

    threads = [threading.Thread(target=readers, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        while len(answered) < THREADS:  # today's salt is known: counting needs no connection now
            stop.wait(0.05)
        stop.wait(1)
        own_postgres.stop()
        before = sum(map(len, list(answered.values())))
        stop.wait(OUTAGE_SECONDS)
        during = sum(map(len, list(answered.values()))) - before
        own_postgres.start()
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    while not write_pending(app):  # the next try of the waiting batch, now the server is back
        stop.wait(0.5)
    stats = json.loads(app.test_cli_runner().invoke(args=["counter", "stats", "--json"]).output)["today"]
    statuses = [status for each in answered.values() for status in each]
    print(f"beacons during the outage: {during}; statuses: "
          f"{ {status: statuses.count(status) for status in set(statuses)} }; readers: {len(answered)}; "
          f"failed writes logged: {caplog.text.count('not written yet')}")
    assert "not written yet" in caplog.text and "given up" not in caplog.text
    assert stats["page_views"] == statuses.count(204) == len(statuses)
    assert stats["visits"] == sum(204 in each for each in answered.values())
