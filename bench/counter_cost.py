"""What counting costs: article-page throughput with and without the visit counter.

Builds three apps in this process, identical but for the counter, each on
its own SQLite file (or a scratch schema of --database-url) holding the same
articles:

- ``none``:     the counter not enabled at all;
- ``display``:  the counter's widget shown but nothing counted in the page
                (``mode = "beacon"`` with no beacon sent: the widget's reads only);
- ``counting``: the default, ``mode = "server"``: each page view counted.

It times GETs of one article page through Flask's test client, alternating
short rounds between the apps so that machine noise hits all alike, and
prints requests per second (wall clock) and CPU milliseconds per request
(less disturbed by other processes on a shared machine). The cost of
counting is ``1 - counting / display``; the cost of the whole plugin (widget
included) is ``1 - counting / none``. It also prints each app's best round
(least CPU per request): on a shared machine noise only ever adds time, so
the best rounds compare most cleanly. Each round ends by writing the
counting app's pending page views (``write_interval_ms``), so the batched
writes are timed in the round that made them (CPU time counts every thread
of the process, the writer thread's too). Starts nothing external.

    .venv/bin/python bench/counter_cost.py [--requests 3000] [--rounds 10]
        [--plugins survey_poll,related_news] [--database-url postgresql+psycopg://...] [--server]
        [--write-interval-ms 0]

With ``--server`` each app is served by a werkzeug server thread on a
loopback port and the requests go over one keep-alive HTTP connection: the
page's cost then includes HTTP handling, as in production (the client's
own CPU is counted too, since it runs in this process).

Scenarios: ``new`` = every request a new reader (no cookie, new address: a
visitor row is inserted each time, the worst case); ``returning`` = one reader
with the cookie reading on (the common case); ``bot`` = a crawler.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
CONFIGS = ("none", "display", "counting")


def build(folder: str, name: str, plugins: dict, database_url: str | None, stack):
    from site_core import create_app
    from site_core.articles import ArticleInput, save_article
    from site_core.cli import init_db
    from site_core.db import db
    from site_core.testing import scratch_schema

    os.environ["SITE_INSTANCE_PATH"] = os.path.join(folder, name)
    url = (stack.enter_context(scratch_schema(database_url)) if database_url
           else f"sqlite:///{os.path.join(folder, name + '.db')}")
    app = create_app({"SECRET_KEY": "b" * 32, "SQLALCHEMY_DATABASE_URI": url, "PLUGINS": plugins})
    with app.app_context():
        init_db()
        for n in range(20):
            save_article(ArticleInput(title=f"Đại hội chi bộ số {n}", summary="Tóm tắt", category="Tin tức",
                                      body="<p>" + "Nội dung bài viết. " * 200 + "</p>"))
        db.session.commit()
    return app


def timed(app, path: str, scenario: str, count: int, offset: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) for ``count`` GETs of ``path``."""
    if app.config.get("BENCH_SERVER"):
        return timed_http(app, path, scenario, count, offset)
    client = app.test_client(use_cookies=scenario == "returning")
    ua = GOOGLEBOT if scenario == "bot" else BROWSER
    wall, cpu = time.perf_counter(), time.process_time()
    for n in range(offset, offset + count):
        address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" if scenario == "new" else "10.0.0.1"
        response = client.get(path, headers={"User-Agent": ua}, environ_base={"REMOTE_ADDR": address})
        if response.status_code != 200:
            raise SystemExit(f"unexpected {response.status_code} on {path}")
    write_waiting(app)
    return time.perf_counter() - wall, time.process_time() - cpu


def write_waiting(app) -> None:
    """Write the round's pending page views inside the round's timing (not in another app's)."""
    if "site_visit_counter" in app.extensions:
        from site_visit_counter.counting import write_pending

        write_pending(app)


def serve(app) -> None:
    """Serve ``app`` from a thread on a loopback port (HTTP/1.1 keep-alive, werkzeug)."""
    import threading

    from werkzeug.serving import WSGIRequestHandler, make_server

    class Handler(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_request(self, *args, **kwargs):
            pass

    server = make_server("127.0.0.1", 0, app, request_handler=Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.config["BENCH_SERVER"] = server.server_port


def timed_http(app, path: str, scenario: str, count: int, offset: int) -> tuple[float, float]:
    """Like :func:`timed`, over HTTP to the app's server thread.

    A "new" reader opens its own connection from its own loopback address
    (127.x.y.z); the others reuse one keep-alive connection.
    """
    import http.client

    port = app.config["BENCH_SERVER"]
    shared = http.client.HTTPConnection("127.0.0.1", port)
    cookie = None
    wall, cpu = time.perf_counter(), time.process_time()
    for n in range(offset, offset + count):
        if scenario == "new":
            source = (f"127.{n // 65536 % 250 + 1}.{n // 256 % 256}.{n % 254 + 1}", 0)
            connection = http.client.HTTPConnection("127.0.0.1", port, source_address=source)
        else:
            connection = shared
        headers = {"User-Agent": GOOGLEBOT if scenario == "bot" else BROWSER}
        if cookie and scenario == "returning":
            headers["Cookie"] = cookie
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"unexpected {response.status} on {path}")
        set_cookie = response.getheader("Set-Cookie")
        if set_cookie and "visit_counter=" in set_cookie:
            cookie = set_cookie.split(";")[0]
        if connection is not shared:
            connection.close()
    shared.close()
    write_waiting(app)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per app and scenario")
    parser.add_argument("--rounds", type=int, default=10, help="alternations between the apps")
    parser.add_argument("--plugins", default="", help="other plugins on the page in every app (comma-separated)")
    parser.add_argument("--database-url", help="PostgreSQL base URL (default: SQLite files)")
    parser.add_argument("--write-interval-ms", type=int, default=None,
                        help="the counting app's visit_counter.write_interval_ms (default: the plugin's, 250)")
    parser.add_argument("--server", action="store_true",
                        help="over HTTP to a werkzeug server thread on loopback instead of the test client")
    args = parser.parse_args()
    per_round = max(1, args.requests // args.rounds)
    others = [name for name in args.plugins.split(",") if name]
    plugins = {
        "none": {"enabled": others},
        "display": {"enabled": [*others, "visit_counter"], "visit_counter": {"mode": "beacon"}},
        "counting": {"enabled": [*others, "visit_counter"], "visit_counter": (
            {} if args.write_interval_ms is None else {"write_interval_ms": args.write_interval_ms})},
    }
    path = "/bai-viet/dai-hoi-chi-bo-so-7"

    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        apps = {name: build(folder, name, plugins[name], args.database_url, stack) for name in CONFIGS}
        if args.server:
            for app in apps.values():
                serve(app)
        engine = apps["none"].config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
        total = per_round * args.rounds
        how = "HTTP/1.1 to a werkzeug server thread (client in the same process)" if args.server else "Flask test client"
        print(f"database: {engine}; other plugins: {', '.join(others) or 'none'}; {total} GETs of an "
              f"article page per app and scenario, {args.rounds} alternating rounds, {how}")
        for app in apps.values():  # warm up: templates, caches, salts
            timed(app, path, "new", 50, 10**6)
        print(f"{'scenario':<10}" + "".join(f"{name:>22}" for name in CONFIGS)
              + f"{'counting cost':>16}{'plugin cost':>14}")
        best = {}
        for scenario in ("new", "returning", "bot"):
            walls = {name: [] for name in CONFIGS}
            cpus = {name: [] for name in CONFIGS}
            for round_ in range(args.rounds):
                order = list(CONFIGS) if round_ % 2 == 0 else list(reversed(CONFIGS))
                for name in order:
                    spent, used = timed(apps[name], path, scenario, per_round, round_ * per_round)
                    walls[name].append(spent)
                    cpus[name].append(used)
            wall = {name: sum(walls[name]) for name in CONFIGS}
            cpu = {name: sum(cpus[name]) for name in CONFIGS}
            rate = {name: total / wall[name] for name in CONFIGS}
            cells = "".join(f"{rate[n]:>9.0f} r/s {cpu[n] / total * 1000:>5.2f} ms" for n in CONFIGS)
            counting = 1 - rate["counting"] / rate["display"]
            plugin = 1 - rate["counting"] / rate["none"]
            cpu_counting = cpu["counting"] / cpu["display"] - 1
            print(f"{scenario:<10}{cells}{counting:>9.1%} wall{plugin:>8.1%} wall")
            print(f"{'':<10}{'':>66}{cpu_counting:>9.1%} CPU {cpu['counting'] / cpu['none'] - 1:>8.1%} CPU")
            best[scenario] = {name: min(cpus[name]) / per_round * 1000 for name in CONFIGS}
        # Other processes only ever add time, so each app's fastest round is its least disturbed one.
        print(f"\nbest round of {args.rounds} (CPU ms per request; noise only adds, so the minimum is the cleanest):")
        for scenario, ms in best.items():
            print(f"{scenario:<10}" + "".join(f"{name} {ms[name]:.3f}   " for name in CONFIGS)
                  + f"counting +{ms['counting'] - ms['display']:.3f} ms = {ms['counting'] / ms['display'] - 1:.1%}"
                  + f"   plugin {ms['counting'] / ms['none'] - 1:.1%}")
        with apps["counting"].app_context():
            from site_visit_counter import state
            print(f"write failures: {state.get().failures}")


if __name__ == "__main__":
    main()
