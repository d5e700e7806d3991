"""What counting costs: article-page throughput with and without the visit counter.

Builds two apps in this process, identical but for the counter (enabled in
one, absent in the other), each on its own SQLite file (or a scratch schema
of --database-url), with the same articles. It then times GETs of an article
page through Flask's test client, alternating short rounds between the two
apps so that machine noise hits both alike, and prints each throughput and
the cost of counting: 1 - (with counter / without). Starts nothing external.

    .venv/bin/python bench/counter_cost.py [--requests 3000] [--rounds 10]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Scenarios: "new" = every request a new reader (no cookie, new address: a
visitor row is inserted each time, the worst case); "returning" = one reader
with the cookie reading on (the common case); "bot" = a crawler.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def build(folder: str, name: str, plugins: dict, database_url: str | None, stack) -> tuple:
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
            save_article(ArticleInput(title=f"Đại hội chi bộ số {n}", body="<p>" + "Nội dung bài viết. " * 200 + "</p>",
                                      summary="Tóm tắt", category="Tin tức"))
        db.session.commit()
    return app, "/bai-viet/dai-hoi-chi-bo-so-7"


def timed(app, path: str, scenario: str, count: int, offset: int) -> float:
    client = app.test_client(use_cookies=scenario == "returning")
    ua = GOOGLEBOT if scenario == "bot" else BROWSER
    started = time.perf_counter()
    for n in range(offset, offset + count):
        address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" if scenario == "new" else "10.0.0.1"
        response = client.get(path, headers={"User-Agent": ua}, environ_base={"REMOTE_ADDR": address})
        if response.status_code != 200:
            raise SystemExit(f"unexpected {response.status_code} on {path}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per app per scenario")
    parser.add_argument("--rounds", type=int, default=10, help="alternations between the two apps")
    parser.add_argument("--database-url", help="PostgreSQL base URL (default: SQLite files)")
    args = parser.parse_args()
    per_round = max(1, args.requests // args.rounds)

    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        with_counter = build(folder, "with", {"enabled": ["visit_counter"]}, args.database_url, stack)
        without = build(folder, "without", {"enabled": []}, args.database_url, stack)
        engine = with_counter[0].config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
        print(f"database: {engine}; {per_round * args.rounds} article-page GETs per app and scenario, "
              f"{args.rounds} alternating rounds")
        for app, path in (with_counter, without):  # warm up: templates, caches, salts
            timed(app, path, "new", 50, 10**6)
        print(f"{'scenario':<10} {'without':>12} {'with counter':>14} {'cost':>7}")
        for scenario in ("new", "returning", "bot"):
            spent = {"with": 0.0, "without": 0.0}
            for round_ in range(args.rounds):
                order = [("with", with_counter), ("without", without)]
                for label, (app, path) in order if round_ % 2 == 0 else reversed(order):
                    spent[label] += timed(app, path, scenario, per_round, round_ * per_round)
            total = per_round * args.rounds
            base, counted = total / spent["without"], total / spent["with"]
            print(f"{scenario:<10} {base:>8.0f} r/s {counted:>10.0f} r/s {1 - counted / base:>7.1%}")
        with with_counter[0].app_context():
            from site_visit_counter import state
            print(f"write failures: {state.get().failures}")


if __name__ == "__main__":
    main()
