"""The cache server failing costs speed, never a page, a vote or a page view.

Each test runs a Redis server of its own on a free loopback port (the
shared one is never touched) and stops it, freezes it, or points the site
at a port where nothing listens, while readers browse and vote. The cache's
clock is the test's, so "a minute later" needs no waiting.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from site_core.cache import RETRY_SECONDS, WARN_SECONDS, cache
from site_core.testing import form_token, free_port, page_numbers

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 reader/{n}"



class RedisServer:
    """A ``redis-server`` process of this test's own, on a free port, without persistence."""

    def __init__(self, workdir):
        self.port, self.workdir, self.process = free_port(), workdir, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        for _ in range(200):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()

    def keys(self) -> int:
        import redis

        return redis.Redis(port=self.port).dbsize()


@pytest.fixture
def redis_server(tmp_path):
    pytest.importorskip("redis", reason="the redis client is not installed")
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        os.kill(server.process.pid, signal.SIGCONT)
        server.stop()


class Clock:
    """The cache's clock, moved by the test."""

    def __init__(self):
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def site_with_redis(site_app_factory, make_article):
    """A site with the counter, the poll and related news all using Redis at ``url``; its cache clock."""
    pytest.importorskip("site_visit_counter", reason="the visit counter is not installed")
    pytest.importorskip("site_survey_poll", reason="the survey poll is not installed")

    def build(url: str):
        app = site_app_factory({
            "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url,
            "PLUGINS": {"enabled": ["visit_counter", "survey_poll", "related_news"],
                        "visit_counter": {"cache_seconds": 3600},
                        "survey_poll": {"results_cache_seconds": 3600}}})
        clock = Clock()
        with app.app_context():
            cache.cache.clock = clock
        article = make_article(app, title="Lễ khai giảng năm học mới", body="<p>Toàn trường dự lễ.</p>")
        created = app.test_cli_runner().invoke(args=["poll", "create", "Câu hỏi?", "Có", "Không"])
        poll_id = int(created.output.split("Created poll ")[1].split(":")[0])
        return app, f"/bai-viet/{article.slug}", poll_id, clock

    return build


def results(app, poll_id: int) -> dict[str, int]:
    html = app.test_client().get(f"/survey_poll/{poll_id}/ket-qua").get_data(as_text=True)
    return page_numbers(html, "data-option", "data-votes")


def browse_and_vote(app, article: str, poll_id: int, option: str, n: int) -> list[int]:
    """A new reader reads the home page and an article, votes, and looks at the results."""
    client = app.test_client()
    headers = {"User-Agent": BROWSER.format(n=n)}
    statuses = [client.get("/", headers=headers).status_code, client.get(article, headers=headers).status_code]
    form = client.get(f"/survey_poll/{poll_id}", headers=headers)
    voted = client.post(f"/survey_poll/{poll_id}/vote", headers=headers,
                        data={"csrf_token": form_token(form.get_data(as_text=True)), "option": option})
    shown = client.get(f"/survey_poll/{poll_id}/ket-qua", headers=headers)
    return statuses + [form.status_code, voted.status_code, shown.status_code]


def counted(app) -> dict:
    from site_visit_counter.counting import write_pending

    write_pending(app)
    return json.loads(app.test_cli_runner().invoke(args=["counter", "stats", "--json"]).output)["today"]


def cache_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "site_core.cache"]


def test_with_the_cache_server_stopped_pages_answer_votes_count_and_one_warning_is_logged(
        site_with_redis, redis_server, caplog):
    app, article, poll_id, clock = site_with_redis(redis_server.url)
    yes, no = list(results(app, poll_id))
    assert browse_and_vote(app, article, poll_id, yes, 0) == [200, 200, 200, 303, 200]
    assert redis_server.keys() > 0  # fragments, poll results and counter sums are in Redis

    redis_server.stop()
    caplog.clear()
    statuses = []
    for n in range(1, 21):
        statuses += browse_and_vote(app, article, poll_id, no, n)
        clock.now += 0.5  # ten seconds of outage: the server is asked again every RETRY_SECONDS
    assert statuses == [200, 200, 200, 303, 200] * 20
    assert results(app, poll_id) == {yes: 1, no: 20}
    assert counted(app)["page_views"] == 2 + 20 * 2
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    warnings = cache_warnings(caplog)
    assert len(warnings) == 1 and "ConnectionError" in warnings[0]

    clock.now += WARN_SECONDS  # a minute later, still down: one more warning, with the count since
    browse_and_vote(app, article, poll_id, no, 21)
    warnings = cache_warnings(caplog)
    assert len(warnings) == 2 and int(warnings[1].split()[1]) > 20

    redis_server.start()  # back, empty
    clock.now += RETRY_SECONDS
    assert browse_and_vote(app, article, poll_id, yes, 22) == [200, 200, 200, 303, 200]
    assert "answers again" in cache_warnings(caplog)[-1]
    assert redis_server.keys() > 0  # used again
    assert results(app, poll_id) == {yes: 2, no: 21}


def test_a_site_pointed_at_a_port_where_nothing_listens_serves_and_counts_everything(site_with_redis, caplog):
    app, article, poll_id, clock = site_with_redis(f"redis://127.0.0.1:{free_port()}/0")
    yes, _ = list(results(app, poll_id))
    for n in range(10):
        assert browse_and_vote(app, article, poll_id, yes, n) == [200, 200, 200, 303, 200]
        clock.now += RETRY_SECONDS  # the server is asked again each time, and fails each time
    assert results(app, poll_id)[yes] == 10
    assert counted(app)["page_views"] == 20
    assert len(cache_warnings(caplog)) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_results_cleared_while_the_server_hung_are_not_served_stale_when_it_answers_again(
        site_with_redis, redis_server):
    """A frozen server keeps its data: the vote's missed delete is done as soon as it answers."""
    app, article, poll_id, clock = site_with_redis(redis_server.url)
    yes, no = list(results(app, poll_id))
    assert results(app, poll_id) == {yes: 0, no: 0}  # cached for an hour
    os.kill(redis_server.process.pid, signal.SIGSTOP)
    try:
        assert browse_and_vote(app, article, poll_id, yes, 1) == [200, 200, 200, 303, 200]
        assert results(app, poll_id) == {yes: 1, no: 0}
    finally:
        os.kill(redis_server.process.pid, signal.SIGCONT)
    clock.now += RETRY_SECONDS
    assert results(app, poll_id) == {yes: 1, no: 0}


def test_a_server_that_never_answers_is_asked_once_per_retry_period_not_once_per_page(site_with_redis):
    """A black hole: connections are accepted, nothing is ever said. Each try costs a socket timeout."""
    accepted = []
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(64)
        hole.settimeout(0.1)
        stop = threading.Event()

        def accept():
            while not stop.is_set():
                try:
                    accepted.append(hole.accept()[0])
                except TimeoutError:
                    pass

        listener = threading.Thread(target=accept)
        listener.start()
        try:
            app, article, poll_id, clock = site_with_redis(f"redis://127.0.0.1:{hole.getsockname()[1]}/0")
            before = len(accepted)
            client = app.test_client()
            assert [client.get(path).status_code for path in ["/", article] * 10] == [200] * 20
            tried = len(accepted) - before
            clock.now += RETRY_SECONDS
            assert client.get("/").status_code == 200
            tried_again = len(accepted) - before - tried
        finally:
            stop.set()
            listener.join()
            for connection in accepted:
                connection.close()
    assert tried <= 1 and tried_again == 1
