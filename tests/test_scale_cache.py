"""Caching across workers: Redis shared by every worker, counts exact with the cache on.

Two apps on one database stand for two gunicorn workers. With
``CACHE_TYPE = "RedisCache"`` what one renders or clears, the other sees;
the counter and the poll never lose a count to a cached fragment. The Redis
tests skip, saying why, when no Redis server answers on loopback.
"""
from __future__ import annotations

import json
import os
import uuid

import pytest

from site_core.testing import form_token, page_numbers

REDIS_DEFAULT = "redis://127.0.0.1:6379/0"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 reader/{n}"


@pytest.fixture
def redis_url():
    """A Redis server on loopback (``SITE_TEST_REDIS_URL``), or a skip that says why."""
    redis = pytest.importorskip("redis", reason="the redis client is not installed")
    url = os.environ.get("SITE_TEST_REDIS_URL", REDIS_DEFAULT)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis server reachable at {url}: {error}")
    return url


@pytest.fixture
def redis_cache(redis_url):
    """Cache settings for a Redis of our own: a fresh key prefix, its keys deleted afterwards."""
    import redis

    prefix = f"site-core-test-{uuid.uuid4().hex[:12]}:"
    yield {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url, "CACHE_KEY_PREFIX": prefix}
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


@pytest.fixture(params=["SimpleCache", "RedisCache"])
def any_cache(request):
    if request.param == "SimpleCache":
        return {"CACHE_TYPE": "SimpleCache"}
    return request.getfixturevalue("redis_cache")


def workers(site_app_factory, config: dict, count: int = 2) -> list:
    """``count`` apps on one database: the first creates it, the others join."""
    first = site_app_factory(config)
    same = {**config, "SQLALCHEMY_DATABASE_URI": first.config["SQLALCHEMY_DATABASE_URI"]}
    return [first, *(site_app_factory(same, create_tables=False) for _ in range(count - 1))]




# --- widget fragments ----------------------------------------------------------------

RENDERS = '''
    import os
    from markupsafe import Markup
    from site_core import Widget, hookimpl

    def render(page):
        with open(os.environ["RENDER_LOG"], "a") as log:
            log.write("x")
        return Markup('<p class="rendered">{}</p>').format(os.environ["WORKER_NAME"])

    @hookimpl
    def site_widgets():
        return [Widget(title="Đếm lần vẽ", render=render, cache_seconds=60, cache_key=lambda page: "site")]
'''


def test_a_widget_fragment_rendered_by_one_worker_is_served_by_another_from_redis(
        install_plugin, site_app_factory, redis_cache, tmp_path, monkeypatch):
    log = tmp_path / "renders.txt"
    monkeypatch.setenv("RENDER_LOG", str(log))
    name = f"renders_{uuid.uuid4().hex[:6]}"
    install_plugin(name, RENDERS)
    first, second = workers(site_app_factory, {"PLUGINS": {"enabled": [name]}, **redis_cache})
    monkeypatch.setenv("WORKER_NAME", "worker-1")
    assert "worker-1" in first.test_client().get("/").get_data(as_text=True)
    monkeypatch.setenv("WORKER_NAME", "worker-2")
    assert "worker-1" in second.test_client().get("/").get_data(as_text=True)  # from the shared cache
    assert log.read_text() == "x"  # rendered once for both workers


def test_without_redis_each_worker_renders_its_own_fragment(install_plugin, site_app_factory, tmp_path,
                                                            monkeypatch):
    """The in-process default: correct, but one render per worker (the reason for Redis)."""
    log = tmp_path / "renders.txt"
    monkeypatch.setenv("RENDER_LOG", str(log))
    monkeypatch.setenv("WORKER_NAME", "worker")
    name = f"renders_{uuid.uuid4().hex[:6]}"
    install_plugin(name, RENDERS)
    first, second = workers(site_app_factory, {"PLUGINS": {"enabled": [name]}, "CACHE_TYPE": "SimpleCache"})
    for app in (first, second, first, second):
        app.test_client().get("/")
    assert log.read_text() == "xx"


# --- poll results: cached until the next vote ------------------------------------------

def vote(app, poll_id: int, option: str, n: int) -> int:
    client = app.test_client()
    headers = {"User-Agent": BROWSER.format(n=n)}
    form = client.get(f"/survey_poll/{poll_id}", headers=headers).get_data(as_text=True)
    token = form_token(form)
    return client.post(f"/survey_poll/{poll_id}/vote", headers=headers,
                       data={"csrf_token": token, "option": option}).status_code


def results(app, poll_id: int) -> dict[str, int]:
    html = app.test_client().get(f"/survey_poll/{poll_id}/ket-qua").get_data(as_text=True)
    return page_numbers(html, "data-option", "data-votes")


def test_a_vote_in_one_worker_clears_the_cached_results_of_every_worker(site_app_factory, redis_cache):
    pytest.importorskip("site_survey_poll", reason="the survey poll is not installed")
    config = {"PLUGINS": {"enabled": ["survey_poll"], "survey_poll": {"results_cache_seconds": 3600}},
              **redis_cache}
    first, second = workers(site_app_factory, config)
    created = first.test_cli_runner().invoke(args=["poll", "create", "Câu hỏi?", "Có", "Không"])
    poll_id = int(created.output.split("Created poll ")[1].split(":")[0])
    yes, no = list(results(second, poll_id))
    assert results(second, poll_id) == {yes: 0, no: 0}  # now cached for an hour
    assert vote(first, poll_id, yes, 1) == 303
    assert results(second, poll_id) == {yes: 1, no: 0}
    assert vote(second, poll_id, no, 2) == 303
    assert results(first, poll_id) == {yes: 1, no: 1}


# --- counts stay exact with the cache on -----------------------------------------------

def test_page_views_are_all_counted_while_the_counter_widget_is_served_from_the_cache(
        site_app_factory, any_cache):
    pytest.importorskip("site_visit_counter", reason="the visit counter is not installed")
    config = {"PLUGINS": {"enabled": ["visit_counter"], "visit_counter": {"cache_seconds": 3600}}, **any_cache}
    first, second = workers(site_app_factory, config)
    shown = []
    for n in range(30):
        app = (first, second)[n % 2]
        html = app.test_client(use_cookies=False).get("/", headers={"User-Agent": BROWSER.format(n=n)})
        shown.append(page_numbers(html.get_data(as_text=True), "data-period", "data-count")["today"])
    assert shown[0] == 1 and max(shown) < 30  # the widget's figures come from the cache...
    from site_visit_counter.counting import write_pending

    write_pending(second)  # the other worker writes its page views within write_interval_ms
    stats = json.loads(first.test_cli_runner().invoke(args=["counter", "stats", "--json"]).output)
    assert stats["today"]["visits"] == 30 and stats["today"]["page_views"] == 30  # ...the counts do not


def test_workers_sharing_redis_agree_on_all_time_once_a_late_batch_is_written(site_app_factory, redis_cache):
    """Yesterday's last page views, written by one worker after the other cached today's sums."""
    pytest.importorskip("site_visit_counter", reason="the visit counter is not installed")
    import datetime as dt
    from zoneinfo import ZoneInfo

    from site_core import clock
    from site_visit_counter.counting import write_pending

    def at(app, text):
        clock.freeze(app, dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))

    def total(app, n):
        html = app.test_client().get("/", headers={"User-Agent": BROWSER.format(n=n)}).get_data(as_text=True)
        return page_numbers(html, "data-period", "data-count")["total"]

    config = {"PLUGINS": {"enabled": ["visit_counter"], "visit_counter": {"write_interval_ms": 60_000, "cache_seconds": 0}},
              **redis_cache}
    first, second = workers(site_app_factory, config)
    at(first, "2024-05-06 23:59:50")
    assert total(first, 1) == 1  # waits in the first worker
    for app in (first, second):
        at(app, "2024-05-07 00:10:00")
    assert total(second, 2) == 1  # the first worker's page view is still pending there
    assert write_pending(first) and write_pending(second)
    assert total(second, 3) == 3  # the late page view, reader 2's, and this one
    assert write_pending(second)
    assert total(first, 4) == 4
