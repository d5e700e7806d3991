"""In-process CPU per kept reader page against the bare render, with no HTTP server in between.

A quick, load-free companion to ``load_site.py``: builds a fresh instance
with the demo content (all three widgets, ``TRUSTED_PROXY_COUNT = 1``, as
``load_site.py`` does), then calls the site's WSGI app and the bare render's
(``load_baseline.py``) directly, alternating rounds, each request from a new
reader (a new address behind the proxy, no cookies). Prints the best
round's CPU ms per page of each and their ratio (bare ÷ site: 1.0 = as fast
as the bare render).

    .venv/bin/python bench/kept_page_cost.py [--database sqlite|postgresql] [--page article|home|category]
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from werkzeug.test import EnvironBuilder

sys.path.insert(0, str(Path(__file__).parent))
from load_servers import database, make_instance  # noqa: E402

PLUGINS = {"enabled": ["visit_counter", "survey_poll", "related_news"]}
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SEED = "be-giang-lop-trung-cap-ly-luan-chinh-tri-hanh-chinh-he-tap-trung-khoa-2019-2020"


def environ(path: str, n: int) -> dict:
    built = EnvironBuilder(path=path, headers={"User-Agent": "Mozilla/5.0 Firefox/128.0",
                                               "X-Forwarded-For": f"10.{n // 62500 % 250}.{n // 250 % 250}.{n % 250}"})
    found = built.get_environ()
    found["REMOTE_ADDR"] = "127.0.0.1"
    return found


def cpu_ms_per_page(app, path: str, requests: int, first: int) -> float:
    started = time.process_time()
    for n in range(first, first + requests):
        status = []
        body = app(environ(path, n), lambda s, h, *_: status.append(s))
        b"".join(body)
        getattr(body, "close", lambda: None)()
        if not status[0].startswith("200"):
            raise SystemExit(f"{path}: {status[0]}")
    return (time.process_time() - started) / requests * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--database-url", default=PG_DEFAULT, help="PostgreSQL base URL")
    parser.add_argument("--page", choices=["article", "home", "category"], default="article")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kept-page-cost-"))
    with database(args.database, folder, args.database_url) as url:
        os.environ["SITE_INSTANCE_PATH"] = str(make_instance(folder, url, {}, PLUGINS, 1))
        from site_core import create_app

        site = create_app()
        import load_baseline

        paths = {"article": f"/bai-viet/{SEED}", "home": "/"}
        html = site.test_client().get(paths["article"]).get_data(as_text=True)
        paths["category"] = re.search(r'class="breadcrumbs".*?href="(/chuyen-muc/[^"]+)"', html, re.S).group(1)
        path = paths[args.page]
        apps = {"site": (site, path), "bare": (load_baseline.app, "/baseline" + path)}
        for app, url_path in apps.values():
            cpu_ms_per_page(app, url_path, 300, 0)  # warm up: the page kept, templates compiled
        best = {name: float("inf") for name in apps}
        for round_ in range(args.rounds):
            for name, (app, url_path) in apps.items():
                first = 1000 + round_ * args.requests
                best[name] = min(best[name], cpu_ms_per_page(app, url_path, args.requests, first))
        print(f"{args.database}, {args.page}: site {best['site']:.3f} ms, bare render {best['bare']:.3f} ms "
              f"of CPU per page (best of {args.rounds} rounds of {args.requests}); "
              f"bare ÷ site = {best['bare'] / best['site']:.2f}")
        from site_visit_counter.counting import write_pending

        write_pending(site)  # the counter's page views, before the database goes


if __name__ == "__main__":
    main()
