"""mode = "beacon": pages a cache may store, counted by a same-origin POST that no cache stores."""
from __future__ import annotations

import pytest

SAME = {"Sec-Fetch-Site": "same-origin"}


@pytest.fixture
def beacon_app(counter_app):
    return counter_app(mode="beacon")


def hit(client, ip="192.0.2.1", ua="Mozilla/5.0 Firefox/128.0", **headers):
    return client.post("/visit_counter/hit", headers={"User-Agent": ua, **headers},
                       environ_base={"REMOTE_ADDR": ip})


def test_in_beacon_mode_pages_are_not_counted_and_carry_the_script(beacon_app, visit, stats):
    response = visit(beacon_app.test_client())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<script src="/visit_counter/static/beacon.js" defer></script>' in html
    assert 'data-beacon="/visit_counter/hit"' in html
    assert not [c for c in response.headers.getlist("Set-Cookie") if "visit_counter" in c]
    assert stats(beacon_app)["today"]["page_views"] == 0


def test_the_beacon_counts_a_visit_answers_204_and_may_not_be_cached(beacon_app, stats, figures_shown, visit):
    client = beacon_app.test_client()
    response = hit(client, **SAME)
    assert response.status_code == 204
    assert response.headers["Cache-Control"] == "no-store"
    assert any(c.startswith("visit_counter=") for c in response.headers.getlist("Set-Cookie"))
    hit(client, ip="203.0.113.9", **SAME)  # same reader (cookie), new address
    today = stats(beacon_app)["today"]
    assert (today["visits"], today["page_views"]) == (1, 2)
    assert figures_shown(visit(client).get_data(as_text=True))["today"] == 1


def test_counting_a_beacon_needs_no_database_connection_once_the_days_salt_is_known(counter_app, at, stats):
    """The beacon shows no figures, so it looks nobody up: new readers and readers with the
    cookie alike are counted from memory, and written with the worker's next batch. (Not in
    the first visit window after midnight: see the visits tests.)"""
    import sqlalchemy as sa

    from site_core.db import db

    app = counter_app(mode="beacon", write_interval_ms=60_000)
    at(app, "2024-05-06 12:00:00")
    first = app.test_client()
    hit(first, **SAME)  # the first of the day makes the salt
    checkouts = []

    def checked_out(*args):
        checkouts.append(args)

    with app.app_context():
        sa.event.listen(db.engine, "checkout", checked_out)
        try:
            assert hit(app.test_client(), ip="192.0.2.2", **SAME).status_code == 204  # new reader
            assert hit(first, **SAME).status_code == 204  # with the cookie
        finally:
            sa.event.remove(db.engine, "checkout", checked_out)
    assert checkouts == []
    today = stats(app)["today"]
    assert (today["visits"], today["page_views"]) == (2, 3)


def test_the_beacon_accepts_a_matching_origin_when_fetch_metadata_is_absent(beacon_app, stats):
    assert hit(beacon_app.test_client(), Origin="http://localhost").status_code == 204
    assert stats(beacon_app)["today"]["visits"] == 1


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Sec-Fetch-Site": "none"},
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://localhost.evil.example"},
    {"Origin": "https://localhost"},  # another scheme is another origin
    {},
])
def test_other_sites_cannot_inflate_the_figures(beacon_app, stats, headers):
    response = hit(beacon_app.test_client(), **headers)
    assert response.status_code == 403
    assert response.headers["Cache-Control"] == "no-store"
    assert stats(beacon_app)["today"] == {"visits": 0, "page_views": 0, "bot_views": 0}


def test_the_beacon_needs_no_csrf_token_but_only_answers_post(beacon_app, stats):
    client = beacon_app.test_client()
    assert client.get("/visit_counter/hit", headers=SAME).status_code == 405
    assert stats(beacon_app)["today"]["page_views"] == 0
    assert hit(client, **SAME).status_code == 204  # CSRF is on in these apps; no token needed


def test_the_beacon_applies_the_page_rules_itself(beacon_app, stats):
    client = beacon_app.test_client()
    hit(client, ua="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", **SAME)
    hit(client, **SAME, **{"Sec-Purpose": "prefetch;prerender"})
    assert stats(beacon_app)["today"] == {"visits": 0, "page_views": 0, "bot_views": 1}


def test_a_cached_page_still_gets_counted_for_each_reader(beacon_app, stats):
    cached_html = beacon_app.test_client().get("/").get_data(as_text=True)
    for n in range(3):  # three readers get the same stored page, each browser posts the beacon
        assert 'data-beacon="/visit_counter/hit"' in cached_html
        hit(beacon_app.test_client(), ip=f"192.0.2.{n}", **SAME)
    assert stats(beacon_app)["today"]["visits"] == 3


def test_error_pages_have_no_counter_widget_for_the_script_to_find(beacon_app):
    html = beacon_app.test_client().get("/bai-viet/khong-co").get_data(as_text=True)
    assert "beacon.js" in html and 'data-widget="visit_counter"' not in html


HARNESS = r"""
const vm = require("vm");
const [source, widget, marked, prerendering] = JSON.parse(process.argv[1]);
const calls = [], listeners = {};
const element = marked ? { querySelector: () => ({ getAttribute: () => "/visit_counter/hit" }) }
                       : { querySelector: () => null };
const context = {
  URL, window: { location: { href: "https://truong.example/bai-viet/x" } },
  fetch: (url, options) => { calls.push([String(url), options]); return Promise.resolve(); },
  document: {
    prerendering, currentScript: { src: "https://truong.example/visit_counter/static/beacon.js" },
    querySelector: () => (widget ? element : null),
    addEventListener: (name, fn) => { listeners[name] = fn; },
  },
};
vm.runInNewContext(source, context);
const before = calls.length;
if (listeners.prerenderingchange) listeners.prerenderingchange();
console.log(JSON.stringify({ before, calls }));
"""


@pytest.mark.parametrize("widget, marked, prerendering, before, url", [
    (False, False, False, 0, None),  # an error page: nothing sent
    (True, True, False, 1, "/visit_counter/hit"),
    (True, False, False, 1, "https://truong.example/visit_counter/hit"),  # the widget failed to render
    (True, True, True, 0, "/visit_counter/hit"),  # prerendered: sent only once shown
])
def test_the_beacon_script_posts_once_from_pages_with_the_counter(beacon_app, widget, marked, prerendering,
                                                                  before, url):
    import json
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    source = beacon_app.test_client().get("/visit_counter/static/beacon.js").get_data(as_text=True)
    run = subprocess.run([node, "-e", HARNESS, json.dumps([source, widget, marked, prerendering])],
                         capture_output=True, text=True, timeout=30, check=True)
    result = json.loads(run.stdout)
    assert result["before"] == before
    if url is None:
        assert result["calls"] == []
    else:
        [(sent_to, options)] = result["calls"]
        assert sent_to == url
        assert options["method"] == "POST" and options["credentials"] == "same-origin"
        assert options["cache"] == "no-store" and options["keepalive"] is True


def test_the_mode_must_be_server_or_beacon(counter_app):
    from site_core.settings import SettingError

    with pytest.raises(SettingError, match="mode"):
        counter_app(mode="pixel")
