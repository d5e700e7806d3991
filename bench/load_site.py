"""Load benchmark: the reader pages as the README deploys them, against a bare render, in one run.

For each database (a SQLite file, a PostgreSQL scratch schema) it builds a
fresh instance with the demo content (``flask load-demo``, all three
widgets, ``TRUSTED_PROXY_COUNT = 1``) and starts two servers with the same
settings and worker count (``gunicorn -c gunicorn.conf.py``; workers from
the CPUs): the site (``wsgi:app``) and the bare render
(``bench/load_baseline.py``: the same templates, no widgets, no database per
request). Then, for each page (the seed article, home, the article's
category) and each reader mix, wrk (2 threads, 32 connections) drives the
site and the bare render in alternating rounds (site, bare, site, bare):

- ``one``: one client without cookies (one address, one browser);
- ``new``: a new reader per request (a new client address behind the
  trusted proxy, one of a few browsers' User-Agents, no cookies).

It prints, per page and mix: requests per second, p50 and p99, the server's
CPU per page (gunicorn's master and workers, from /proc), and round by round
the ratio to the bare render's throughput and of the p99s; both pooled over
the rounds (the mean throughputs' ratio, the p99 of all rounds' requests);
at the end the Markdown table kept in ``bench/README.md`` and each server's
workers' peak RSS, and the site's kept pages (pages and bytes, the largest
a worker reports on ``/-/health``, beside ``PAGE_CACHE_BYTES``). Issue 16's
target: ratio >= 0.70 on every page and mix, p99 ratio <= 1.5, pooled:
which workers wrk's keep-alive connections land on is luck of the round,
and so is a stall of a shared host; both move a round's figures, for the
bare render as for the site.

``--page-cache`` puts nginx with ``docs/nginx/page-cache.conf`` in front of
the site (the counter in beacon mode, the poll in shared-cache mode, as
``docs/deployment.md`` sets it up): each page view is then the page's GET
and the counter's beacon POST, and the CPU per page is gunicorn's and nginx's.

Usage, from the repository root (needs ``wrk``; ``nginx`` for --page-cache)::

    .venv/bin/python bench/load_site.py                  # both databases, 10 s rounds (about 12 minutes)
    .venv/bin/python bench/load_site.py --quick          # 3 s rounds, a first look
    .venv/bin/python bench/load_site.py --databases sqlite --pages article --mixes new
    .venv/bin/python bench/load_site.py --page-cache     # nginx's page cache in front
    .venv/bin/python bench/load_site.py --cache redis --set survey_poll.shared_cache=true
    .venv/bin/python bench/load_site.py --json bench/results/load.json
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from load_servers import BENCH, Gunicorn, Nginx, cpu_split, database, make_instance
from load_wrk import compare, markdown, wrk

PLUGINS = ["visit_counter", "survey_poll", "related_news"]
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_DEFAULT = "redis://127.0.0.1:6379/0"
SEED = "be-giang-lop-trung-cap-ly-luan-chinh-tri-hanh-chinh-he-tap-trung-khoa-2019-2020"
PAGES = ("article", "home", "category")
MIXES = {"one": "one client, no cookies", "new": "a new reader per request"}


def fetch(url: str) -> tuple[str, dict]:
    request = urllib.request.Request(url, headers={"User-Agent": "Mozilla/5.0 Firefox/128.0 bench-check"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode("utf-8"), response.headers


def page_paths(site_url: str, slug: str) -> dict[str, str]:
    """Each page's path: the article, home, and the article's category (from its breadcrumbs)."""
    html, _ = fetch(f"{site_url}/bai-viet/{slug}")
    found = re.search(r'class="breadcrumbs".*?href="(/chuyen-muc/[^"]+)"', html, re.S)
    if not found:
        raise SystemExit(f"the article {slug} shows no category")
    return {"article": f"/bai-viet/{slug}", "home": "/", "category": found.group(1)}


def check(site_url: str, bare_url: str, path: str, page_cache: bool) -> list[str]:
    """Both servers answer the page (nginx from its cache, if in front); the widgets on the site's."""
    fetch(bare_url + "/baseline" + path)
    html, headers = fetch(site_url + path)
    if page_cache and fetch(site_url + path)[1].get("X-Cache-Status") != "HIT":
        raise SystemExit(f"nginx did not serve {path} from its cache")
    return sorted(set(re.findall(r'data-widget="([a-z_]+)"', html)))


def kept_pages(site_url: str, answers: int = 40) -> dict:
    """The page cache's size as the workers report it on /-/health (each answer is one worker's)."""
    seen = [json.loads(fetch(site_url + "/-/health")[0])["page_cache"] or {} for _ in range(answers)]
    return {key: max(kept.get(key, 0) for kept in seen) for key in ("limit", "bytes", "pages")}


class Target:
    """What wrk drives in a round: a URL, the processes whose CPU it costs, GET only or GET + beacon."""

    def __init__(self, url: str, servers: list, beacon: bool = False):
        self.url, self.servers, self.beacon = url, servers, beacon

    def measure(self, args, mix: str, run: int, prefix: list[str], seconds: int) -> dict:
        cpu = sum(server.cpu_seconds() for server in self.servers)
        result = wrk(self.url, seconds, args.connections, mix, run, self.beacon, prefix)
        time.sleep(0.3)  # the counter's last batch written
        views = result["requests"] // 2 if self.beacon else result["requests"]
        result.update(views=views, rps=views / result["seconds"],
                      cpu_ms=(sum(server.cpu_seconds() for server in self.servers) - cpu) * 1000 / views)
        return result


def rounds(args, page: str, mix: str, site: Target, bare: Target, runs, prefix: list[str]) -> dict:
    """Warm both up, then alternate: site, bare, site, bare, ...; the rounds and their comparison."""
    measured = {"site": [], "bare": []}
    for target in (site, bare):
        target.measure(args, mix, next(runs), prefix, args.warmup)
    for number in range(1, args.rounds + 1):
        for name, target in (("site", site), ("bare", bare)):
            result = target.measure(args, mix, next(runs), prefix, args.duration)
            measured[name].append(result)
            errors = result["socket_errors"] + result["non_2xx"]
            print(f"  {page:<8} {mix:<3} {name} {number}  {result['rps']:7.0f} {'views' if target.beacon else 'req'}/s"
                  f"  p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms  CPU {result['cpu_ms']:5.2f} ms/page"
                  + (f"  {errors} ERRORS" if errors else ""), flush=True)
    figures = compare(measured["site"], measured["bare"])
    print(f"  {page:<8} {mix:<3} ratio {figures['pooled_ratio']} pooled ({figures['ratio']} by round), "
          f"p99 ratio {figures['pooled_p99_ratio']} pooled ({figures['p99_ratio']} by round)\n", flush=True)
    return {"page": page, "mix": mix, "figures": figures, "rounds": measured}


def run_database(kind: str, args, server_cpus: list[str], wrk_cpus: list[str]) -> dict:
    cache = {"CACHE_TYPE": "SimpleCache"}
    if args.cache == "redis":
        cache = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": args.redis_url,
                 "CACHE_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:8]}:"}
    plugins = {"enabled": args.plugins}
    settings = args.set
    if args.page_cache:  # pages the same for every reader, as docs/deployment.md sets them up
        settings = [("visit_counter", "mode", "beacon"), ("survey_poll", "shared_cache", True), *settings]
    for name, key, value in settings:
        plugins.setdefault(name, {})[key] = value
    with tempfile.TemporaryDirectory(prefix=f"site-bench-{kind}-") as tmp, \
            database(kind, Path(tmp), args.postgres_url) as url:
        folder = Path(tmp)
        print(f"{kind}: loading the demo content…", flush=True)
        # Behind nginx, wrk plays the load balancer in front of it: two proxies add X-Forwarded-For.
        instance = make_instance(folder, url, cache, plugins, proxies=2 if args.page_cache else 1)
        started = []
        try:
            site = Gunicorn("wsgi:app", instance, folder / "site.log", server_cpus)
            started.append(site)
            bare = Gunicorn("load_baseline:app", instance, folder / "bare.log", server_cpus,
                            ["--pythonpath", str(BENCH)])
            started.append(bare)
            front = Nginx(site.url, folder / "nginx", server_cpus) if args.page_cache else None
            started += [front] if front else []
            site_url = (front or site).url
            runs = itertools.count(1)
            results = []
            for page, path in page_paths(site_url, args.slug).items():
                if page not in args.pages:
                    continue
                widgets = check(site_url, bare.url, path, args.page_cache)
                print(f"  {page}: {path} (widgets: {', '.join(widgets) or 'none'})", flush=True)
                site_target = Target(site_url + path, [site, front] if front else [site], beacon=bool(front))
                bare_target = Target(bare.url + "/baseline" + path, [bare])
                for mix in args.mixes:
                    results.append({"database": kind, "widgets": widgets, **rounds(
                        args, page, mix, site_target, bare_target, runs, wrk_cpus)})
            memory = {name: server.peak_rss_mb() for name, server in (("site", site), ("bare", bare))}
            kept = kept_pages(site.url)
            workers = {"site": site.workers(), "bare": bare.workers()}
        finally:
            for server in reversed(started):
                server.stop()
    for name, peaks in memory.items():
        print(f"  {kind} {name}: {workers[name]} workers, peak RSS {max(peaks):.0f} MB each at most, "
              f"{sum(peaks):.0f} MB in all", flush=True)
    print(f"  {kind} site's kept pages: at most {kept['pages']} pages, {kept['bytes'] / 1024:.0f} KiB in a worker "
          f"(limit {kept['limit'] / 2**20:.0f} MiB per worker)", flush=True)
    return {"database": kind, "workers": workers, "peak_rss_mb": memory, "kept_pages": kept, "results": results}


def plugin_setting(text: str) -> tuple:
    import tomllib

    name, _, rest = text.partition(".")
    key, _, value = rest.partition("=")
    if not (name and key and value):
        raise argparse.ArgumentTypeError(f"expected PLUGIN.KEY=VALUE, got {text!r}")
    return name, key, tomllib.loads(f"v = {value}")["v"]


def listed(choices):
    def parse(text: str) -> list[str]:
        items = [item.strip() for item in text.split(",") if item.strip()]
        wrong = [item for item in items if item not in choices]
        if wrong:
            raise argparse.ArgumentTypeError(f"unknown: {', '.join(wrong)} (choose from {', '.join(choices)})")
        return items
    return parse


def arguments(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", type=listed(("sqlite", "postgresql")), default=["sqlite", "postgresql"])
    parser.add_argument("--pages", type=listed(PAGES), default=list(PAGES))
    parser.add_argument("--mixes", type=listed(MIXES), default=list(MIXES),
                        help="; ".join(f"{name}: {text}" for name, text in MIXES.items()))
    parser.add_argument("--duration", type=int, default=10, help="seconds per round (default 10)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each, alternating (default 2)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of load before the rounds (default 2)")
    parser.add_argument("--quick", action="store_true", help="a short run: 3 s rounds, 1 s warm-up")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--cache", choices=("simple", "redis"), default="simple")
    parser.add_argument("--redis-url", default=REDIS_DEFAULT)
    parser.add_argument("--postgres-url", default=os.environ.get("SITE_TEST_DATABASE_URL") or PG_DEFAULT)
    parser.add_argument("--slug", default=SEED, help="the article measured (default: the seed article)")
    parser.add_argument("--plugins", type=lambda text: [p for p in text.split(",") if p], default=PLUGINS,
                        help=f"plugins enabled on the site (default {','.join(PLUGINS)}; '' for none)")
    parser.add_argument("--set", type=plugin_setting, action="append", default=[], metavar="PLUGIN.KEY=VALUE",
                        help="a plugin setting, e.g. survey_poll.shared_cache=true (TOML value; repeatable)")
    parser.add_argument("--page-cache", action="store_true",
                        help="nginx with docs/nginx/page-cache.conf in front of the site, the counter in beacon "
                             "mode, the poll in shared-cache mode; a page view is its GET and the beacon's POST")
    parser.add_argument("--json", type=Path, help="also write every round's figures to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup = 3, 1
    return args


def main(argv=None) -> int:
    args = arguments(argv)
    for tool in ["wrk"] + (["nginx"] if args.page_cache else []):
        if not (shutil.which(tool) or Path(f"/usr/sbin/{tool}").exists()):
            raise SystemExit(f"{tool} is needed: apt-get install -y {tool}")
    server_cpus, wrk_cpus = cpu_split()
    print(f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs; servers on "
          f"{'two of them' if server_cpus else 'all (shared with wrk)'}; {args.connections} connections, "
          f"{args.rounds} × {args.duration:g} s rounds, cache {args.cache}"
          + (", nginx page cache in front" if args.page_cache else "") + "\n", flush=True)
    runs = [run_database(kind, args, server_cpus, wrk_cpus) for kind in args.databases]
    print("\n" + markdown([row for run in runs for row in run["results"]]))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(runs, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
