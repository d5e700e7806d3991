"""The real site under gunicorn with four workers loses no page view and no vote.

Each run starts ``gunicorn -c gunicorn.conf.py -w 4 wsgi:app`` on a free
loopback port with its own instance folder, sends 2,000 article views from
distinct readers and 500 votes from distinct voters (through the no-JS form:
GET for the CSRF token and cookies, then POST), all from 32 concurrent
clients, and then checks that the counter and the poll's tallies equal what
was sent — exactly — in the widget's markup and in the database.
"""
from __future__ import annotations

import concurrent.futures
import http.cookiejar
import io
import json
import os
import runpy
import time
import types
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import pytest

from site_core.testing import form_token, page_numbers, start_gunicorn, stop_process

ROOT = Path(__file__).resolve().parents[1]
PAGE_VIEWS = 2000
VOTES = 500
CLIENTS = 32
WORKERS = 4
OPTIONS = ["Internet", "Báo chí", "Bạn bè, người quen", "Hội nghị, tập huấn"]
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 reader/{n}"
READING_BOT = "curl/8.5.0"  # a bot: sees the figures without adding a visit
REQUEST_TIMEOUT = 30




class Server:
    """A gunicorn master we started, on a free loopback port; stopped by its pid."""

    def __init__(self, instance: Path, log: Path, workers: int = WORKERS):
        env = {**os.environ, "SITE_INSTANCE_PATH": str(instance), "PYTHONUNBUFFERED": "1"}
        for key in ("SITE_SAFE_MODE", "WEB_CONCURRENCY", "SITE_BIND"):
            env.pop(key, None)
        self.log = log
        self.process, self.url = start_gunicorn(ROOT, "wsgi:app", env, log, ("-w", str(workers), "--access-logfile", "-"),
                                                ready=self._answers)

    @staticmethod
    def _answers(url: str) -> bool:
        try:
            with urllib.request.urlopen(url + "/", timeout=5) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        stop_process(self.process)


def view_article(url: str, n: int) -> int:
    """One article view from reader ``n`` (its own User-Agent, no cookies kept)."""
    request = urllib.request.Request(url, headers={"User-Agent": BROWSER.format(n=n)})
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
        response.read()
        return response.status


def cast_vote(base: str, poll_id: int, option: str, n: int) -> int:
    """Voter ``n`` opens the poll, then submits the form (cookies kept for this voter only)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                         NoRedirect())
    headers = {"User-Agent": BROWSER.format(n=f"voter-{n}")}
    with opener.open(urllib.request.Request(f"{base}/survey_poll/{poll_id}", headers=headers),
                     timeout=REQUEST_TIMEOUT) as response:
        form = response.read().decode("utf-8")
    token = form_token(form)
    body = urllib.parse.urlencode({"csrf_token": token, "option": option}).encode()
    request = urllib.request.Request(f"{base}/survey_poll/{poll_id}/vote", data=body, headers=headers)
    try:
        with opener.open(request, timeout=REQUEST_TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as error:  # 303 (not followed) or a refusal
        return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def read(url: str, user_agent: str = READING_BOT) -> str:
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
        return response.read().decode("utf-8")


@pytest.fixture
def redis_url():
    """A Redis server on loopback, or a skip that says why."""
    redis = pytest.importorskip("redis", reason="the redis client is not installed")
    url = os.environ.get("SITE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis server reachable at {url}: {error}")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def deployment(request, tmp_path):
    """(database URL, cache settings): SQLite with the in-process cache, or PostgreSQL with Redis."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'site.db'}", {"CACHE_TYPE": "SimpleCache"}
    url = request.getfixturevalue("pg_url")
    return url, {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": request.getfixturevalue("redis_url"),
                 "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}:"}


def figures_reach(page: str, wanted: int, limit: float = 10) -> dict:
    """The today and total figures, read again until both are ``wanted`` or ``limit`` seconds passed."""
    deadline = time.monotonic() + limit
    while True:
        shown = page_numbers(read(page), "data-period", "data-count")
        if (shown["today"] == shown["total"] == wanted) or time.monotonic() > deadline:
            return {"today": shown["today"], "total": shown["total"]}
        time.sleep(0.1)


# --- gunicorn.conf.py ------------------------------------------------------------------

def load_config(monkeypatch, **environment) -> dict:
    for key in ("WEB_CONCURRENCY", "SITE_PRELOAD", "SITE_BIND", "SITE_THREADS", "SITE_WORKER_CONNECTIONS"):
        monkeypatch.delenv(key, raising=False)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_the_gunicorn_config_sizes_workers_from_the_cpus_and_preloads(monkeypatch):
    config = load_config(monkeypatch)
    assert config["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert config["preload_app"] is True and config["bind"] == "127.0.0.1:8000"
    config = load_config(monkeypatch, WEB_CONCURRENCY="3", SITE_PRELOAD="0", SITE_BIND="unix:/tmp/site.sock")
    assert (config["workers"], config["preload_app"], config["bind"]) == (3, False, "unix:/tmp/site.sock")


def test_a_worker_holds_at_most_twice_its_threads_in_connections(monkeypatch):
    """One request at a time per worker: a worker must not take every keep-alive client while
    the others idle (bench/README.md, "Issue 16")."""
    config = load_config(monkeypatch)
    assert (config["threads"], config["worker_connections"]) == (8, 16)
    config = load_config(monkeypatch, SITE_THREADS="4")
    assert config["worker_connections"] == 8
    assert load_config(monkeypatch, SITE_WORKER_CONNECTIONS="100")["worker_connections"] == 100


def fake_server(app, preload: bool):
    return types.SimpleNamespace(app=types.SimpleNamespace(callable=app),
                                 cfg=types.SimpleNamespace(preload_app=preload))


def test_a_request_is_stamped_on_arrival_before_it_waits_for_its_workers_turn(monkeypatch):
    """The turn is one request at a time; the stamp lets requests that waited share the
    content version's read (site_core.content_version.ARRIVED)."""
    import threading

    from site_core.content_version import ARRIVED

    inside, release, seen = threading.Event(), threading.Event(), []

    def app(environ, start_response):
        seen.append(environ[ARRIVED])
        inside.set()
        release.wait(5)
        return [b""]

    worker = types.SimpleNamespace(wsgi=app)
    monkeypatch.setattr("gc.freeze", lambda: None)
    load_config(monkeypatch)["post_worker_init"](worker)
    first = threading.Thread(target=worker.wsgi, args=({}, None))
    first.start()
    assert inside.wait(5)
    second = threading.Thread(target=worker.wsgi, args=({}, None))
    second.start()
    time.sleep(0.05)  # the second request waits for the first's turn to end
    while_waiting = time.monotonic()
    release.set()
    first.join(5)
    second.join(5)
    assert len(seen) == 2 and seen[0] < seen[1] < while_waiting


def test_a_reader_pages_content_version_is_read_while_it_waits_for_its_turn(site_app, monkeypatch):
    """The round trip to the database happens while the request waits, not in its turn; a POST
    and a static file are left to the app."""
    import threading

    from site_core.content_version import ENVIRON_KEY, READER_KEY

    inside, release = threading.Event(), threading.Event()

    class Busy:  # the site, busy with a first request until released
        extensions, static_url_path = site_app.extensions, site_app.static_url_path

        def __call__(self, environ, start_response):
            inside.set()
            release.wait(5)
            return [b""]

    monkeypatch.setattr("gc.freeze", lambda: None)
    worker = types.SimpleNamespace(wsgi=Busy())
    load_config(monkeypatch)["post_worker_init"](worker)
    first = threading.Thread(target=worker.wsgi, args=({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, None))
    first.start()
    assert inside.wait(5)
    waiting = [{"REQUEST_METHOD": method, "PATH_INFO": path, "CONTENT_LENGTH": "0", "wsgi.input": io.BytesIO()}
               for method, path in [("GET", "/"), ("POST", "/"), ("GET", "/static/site.css")]]
    others = [threading.Thread(target=worker.wsgi, args=(environ, None)) for environ in waiting]
    for thread in others:
        thread.start()
    deadline = time.monotonic() + 5
    while ENVIRON_KEY not in waiting[0] and time.monotonic() < deadline:
        time.sleep(0.01)
    read_while_waiting = ENVIRON_KEY in waiting[0]
    release.set()
    for thread in [first, *others]:
        thread.join(5)
    with site_app.app_context():
        assert read_while_waiting and waiting[0][ENVIRON_KEY] == site_app.extensions[READER_KEY].read()
    assert ENVIRON_KEY not in waiting[1] and ENVIRON_KEY not in waiting[2]


def test_a_preloaded_app_gives_each_forked_worker_fresh_database_connections(site_app, monkeypatch):
    from site_core.db import db

    post_fork = load_config(monkeypatch)["post_fork"]
    with site_app.app_context():
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        inherited = db.engine.pool
        assert inherited.checkedin() == 1  # the master's connection, now in the pool
        post_fork(fake_server(site_app, preload=False), worker=None)
        assert db.engine.pool is inherited  # not preloaded: nothing was inherited, nothing to do
        post_fork(fake_server(site_app, preload=True), worker=None)
        assert db.engine.pool is not inherited and db.engine.pool.checkedin() == 0
        assert inherited.checkedin() == 1  # left open for the master: close=False
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1


# --- the real server --------------------------------------------------------------------

def write_config(instance: Path, settings: dict) -> None:
    import tomlkit

    instance.mkdir(parents=True, exist_ok=True)
    (instance / "config.toml").write_text(tomlkit.dumps(settings), encoding="utf-8")


@pytest.mark.slow
def test_four_workers_count_every_page_view_and_every_vote_exactly(
        deployment, site_app_factory, make_article, tmp_path):
    pytest.importorskip("site_visit_counter", reason="the visit counter is not installed")
    pytest.importorskip("site_survey_poll", reason="the survey poll is not installed")
    from site_visit_counter.bots import is_bot

    assert not is_bot(BROWSER.format(n=1)) and is_bot(READING_BOT)
    database, cache = deployment
    plugins = {"enabled": ["visit_counter", "survey_poll"],
               "survey_poll": {"rate_limit": 10 * VOTES}}  # every voter shares 127.0.0.1
    settings = {"SECRET_KEY": uuid.uuid4().hex * 2, "SQLALCHEMY_DATABASE_URI": database,
                "PLUGINS": plugins, **cache}
    setup = site_app_factory({k: v for k, v in settings.items() if k != "SECRET_KEY"})  # init-db
    article = make_article(setup, title="Tin tức hoạt động nhà trường")
    created = setup.test_cli_runner().invoke(args=["poll", "create", "Bạn biết đến cổng thông tin qua đâu?",
                                                   *OPTIONS])
    assert created.exit_code == 0, created.output
    poll_id = int(created.output.split("Created poll ")[1].split(":")[0])
    write_config(tmp_path / "server", settings)

    server = Server(tmp_path / "server", tmp_path / "gunicorn.log")
    try:
        page = f"{server.url}/bai-viet/{article.slug}"
        results = f"{server.url}/survey_poll/{poll_id}/ket-qua"
        option_ids = list(page_numbers(read(results), "data-option", "data-votes"))
        assert len(option_ids) == len(OPTIONS)
        wanted = Counter(option_ids[n % 7 % len(option_ids)] for n in range(VOTES))  # uneven on purpose

        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
            views, votes = [], []
            for n in range(PAGE_VIEWS):  # one vote among every four page views
                views.append(pool.submit(view_article, page, n))
                if n % (PAGE_VIEWS // VOTES) == 0 and len(votes) < VOTES:
                    k = len(votes)
                    votes.append(pool.submit(cast_vote, server.url, poll_id, option_ids[k % 7 % len(option_ids)], k))
            view_statuses = Counter(f.result() for f in views)
            vote_statuses = Counter(f.result() for f in votes)
        elapsed = time.monotonic() - started
        assert view_statuses == {200: PAGE_VIEWS}
        assert vote_statuses == {303: VOTES}
        assert server.output().count("Booting worker with pid") == WORKERS  # and none restarted

        # every worker writes its page views within visit_counter.write_interval_ms (250 ms)
        assert figures_reach(page, PAGE_VIEWS) == {"today": PAGE_VIEWS, "total": PAGE_VIEWS}
        if cache["CACHE_TYPE"] == "RedisCache":  # one shared cache: every worker shows the fresh tallies
            for _ in range(2 * WORKERS):
                assert page_numbers(read(results), "data-option", "data-votes") == wanted
        assert "database is locked" not in server.output()
        assert "Traceback" not in server.output(), server.output()[-3000:]
    finally:
        server.stop()

    runner = setup.test_cli_runner()
    stats = json.loads(runner.invoke(args=["counter", "stats", "--json"]).output)
    assert stats["today"]["visits"] == PAGE_VIEWS and stats["today"]["page_views"] == PAGE_VIEWS
    tallies = json.loads(runner.invoke(args=["poll", "results", str(poll_id), "--json"]).output)
    assert {str(o["id"]): o["votes"] for o in tallies["options"]} == wanted
    assert tallies["total"] == tallies["voters"] == VOTES
    print(f"\n{database.split(':')[0]} {cache['CACHE_TYPE']}: {PAGE_VIEWS + 2 * VOTES} requests "
          f"in {elapsed:.1f} s ({(PAGE_VIEWS + 2 * VOTES) / elapsed:.0f}/s)")


@pytest.mark.slow
def test_page_views_still_waiting_in_the_workers_are_written_when_gunicorn_stops(
        site_app_factory, make_article, tmp_path):
    pytest.importorskip("site_visit_counter", reason="the visit counter is not installed")
    views = 200
    plugins = {"enabled": ["visit_counter"], "visit_counter": {"write_interval_ms": 60_000}}
    settings = {"SECRET_KEY": uuid.uuid4().hex * 2, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'site.db'}",
                "PLUGINS": plugins}
    setup = site_app_factory({k: v for k, v in settings.items() if k != "SECRET_KEY"})
    article = make_article(setup, title="Thông báo tuyển sinh")
    write_config(tmp_path / "server", settings)

    server = Server(tmp_path / "server", tmp_path / "gunicorn.log")
    try:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            statuses = Counter(pool.map(lambda n: view_article(f"{server.url}/bai-viet/{article.slug}", n),
                                        range(views)))
        assert statuses == {200: views}
        runner = setup.test_cli_runner()
        waiting = json.loads(runner.invoke(args=["counter", "stats", "--json"]).output)
        assert waiting["today"]["page_views"] == 0  # a minute's interval: nothing written yet
    finally:
        server.stop()  # SIGTERM: each worker writes what it holds as it exits
    assert "Traceback" not in server.output(), server.output()[-3000:]
    stats = json.loads(setup.test_cli_runner().invoke(args=["counter", "stats", "--json"]).output)
    assert stats["today"]["visits"] == stats["today"]["page_views"] == views


# --- a new reader's first ballot, sent more than once, across workers --------------------

def open_poll(base: str, poll_id: int, n: int) -> tuple[str, str]:
    """Reader ``n``'s first moment: the poll's page with no cookie. The Cookie header
    that page set, and the form's token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    request = urllib.request.Request(f"{base}/survey_poll/{poll_id}", headers={"User-Agent": BROWSER.format(n=n)})
    with opener.open(request, timeout=REQUEST_TIMEOUT) as response:
        token = form_token(response.read().decode("utf-8"))
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar), token


def send_ballot(base: str, poll_id: int, option: str, cookie: str, token: str, n: int) -> int:
    """Reader ``n`` submits the form with exactly the cookies of their first page."""
    body = urllib.parse.urlencode({"csrf_token": token, "option": option}).encode()
    request = urllib.request.Request(f"{base}/survey_poll/{poll_id}/vote", data=body,
                                     headers={"Cookie": cookie, "User-Agent": BROWSER.format(n=n)})
    try:
        with urllib.request.build_opener(NoRedirect()).open(request, timeout=REQUEST_TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_a_new_readers_repeated_first_ballot_counts_once_across_four_workers(deployment, site_app_factory, tmp_path):
    pytest.importorskip("site_survey_poll", reason="the survey poll is not installed")
    from site_survey_poll.polls import PollSpec, create_poll

    database, cache = deployment
    settings = {"SECRET_KEY": uuid.uuid4().hex * 2, "SQLALCHEMY_DATABASE_URI": database,
                "PLUGINS": {"enabled": ["survey_poll"], "survey_poll": {"rate_limit": 10 * VOTES}}, **cache}
    setup = site_app_factory({k: v for k, v in settings.items() if k != "SECRET_KEY"})
    with setup.app_context():
        poll_id = create_poll(PollSpec("Bạn biết đến cổng thông tin qua đâu?", OPTIONS))
    write_config(tmp_path / "server", settings)
    copies = [2] * 30 + [8]  # thirty double clicks, and one reader who sends it eight times

    server = Server(tmp_path / "server", tmp_path / "gunicorn.log")
    try:
        option = next(iter(page_numbers(read(f"{server.url}/survey_poll/{poll_id}/ket-qua"),
                                        "data-option", "data-votes")))
        readers = [open_poll(server.url, poll_id, n) for n in range(len(copies))]
        assert not any("survey_poll_voter" in cookie for cookie, _ in readers)
        with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
            sent = [[pool.submit(send_ballot, server.url, poll_id, option, *readers[n], n) for _ in range(k)]
                    for n, k in enumerate(copies)]
            statuses = [sorted(future.result() for future in futures) for futures in sent]
        assert statuses == [[303] + [409] * (k - 1) for k in copies]
        assert "Traceback" not in server.output(), server.output()[-3000:]
    finally:
        server.stop()
    tallies = json.loads(setup.test_cli_runner().invoke(args=["poll", "results", str(poll_id), "--json"]).output)
    assert tallies["total"] == tallies["voters"] == len(copies)
