"""Load benchmark: the article page with all three widgets, under gunicorn, against a baseline.

For each database (SQLite file, PostgreSQL scratch schema) it builds a fresh
instance with the demo content (``flask load-demo``), starts the real server
(``gunicorn -c gunicorn.conf.py wsgi:app``; workers from the CPUs, on two
cores), and measures one article page with the visit counter, the poll and
related news — requests per second, p50 and p99 latency at 32 concurrent
connections, every request from a new visitor (a new client address behind
one trusted proxy, a real browser's User-Agent, no cookies) — with wrk. In the same run it measures the baseline: the same
article template rendered by a bare view with no widgets and no database
(``bench/load_baseline.py``), and prints the ratio.

Target: the full page at >= 50 % of the baseline's throughput, p99 < 50 ms.

Usage, from the repository root (needs ``wrk``: ``apt-get install -y wrk``)::

    .venv/bin/python bench/load_site.py                       # SQLite and PostgreSQL, 20 s each
    .venv/bin/python bench/load_site.py --databases sqlite --duration 10
    .venv/bin/python bench/load_site.py --cache redis         # CACHE_TYPE = "RedisCache"
    .venv/bin/python bench/load_site.py --set survey_poll.shared_cache=true --set visit_counter.cache_seconds=5
    .venv/bin/python bench/load_site.py --readers returning   # readers in the middle of a visit
    .venv/bin/python bench/load_site.py --json bench/results/load.json

PostgreSQL: ``--postgres-url`` (default the local test server); a schema of
its own is created and dropped.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
PLUGINS = ["visit_counter", "survey_poll", "related_news"]
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_DEFAULT = "redis://127.0.0.1:6379/0"
SEED = "be-giang-lop-trung-cap-ly-luan-chinh-tri-hanh-chinh-he-tap-trung-khoa-2019-2020"

# Every request a new visitor, as nginx would pass it on: a new client address in
# X-Forwarded-For (the site trusts one proxy) and one of a few real browsers'
# User-Agents, no cookies. done() prints one JSON line with what we report.
VISITORS_LUA = """
local agents = {
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (Linux; Android 13; Redmi Note 12) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Mobile Safari/537.36 CocCoc/1.0",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
  "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
}
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
local n = 0
request = function()
  n = n + 1
  local address = "10." .. tid .. "." .. (math.floor(n / 250) % 250) .. "." .. (n % 250 + 1)
  return wrk.format("GET", nil, {["User-Agent"] = agents[n % #agents + 1], ["X-Forwarded-For"] = address})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, ' ..
    '"socket_errors": %d, "non_2xx": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, e.connect + e.read + e.write + e.timeout, e.status))
end
"""


# Readers in the middle of a visit: each request is one of READERS readers (their own
# address and browser) sending the cookies their first page view set (the counter's
# visitor cookie, the session with the poll's CSRF token), as a browser would.
RETURNING_LUA = """
local readers = {READERS}
local n = 0
request = function()
  n = n + 1
  local r = readers[n % #readers + 1]
  return wrk.format("GET", nil, {["User-Agent"] = r[2], ["X-Forwarded-For"] = r[1], ["Cookie"] = r[3]})
end
""" + VISITORS_LUA[VISITORS_LUA.index("done = function"):]
READERS = 64

# Behind the page cache (--page-cache): each page view is the page's GET (served by
# nginx from its cache) and then the counter's beacon POST, as beacon.js sends it,
# from a new reader (their address as a load balancer in front of nginx would give it).
PAGE_AND_BEACON_LUA = """
local agents = {AGENTS}
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
local n = 0
request = function()
  n = n + 1
  local view = math.floor((n - 1) / 2)
  local address = "10." .. tid .. "." .. (math.floor(view / 250) % 250) .. "." .. (view % 250 + 1)
  local headers = {["User-Agent"] = agents[view % #agents + 1], ["X-Forwarded-For"] = address}
  if n % 2 == 1 then
    return wrk.format("GET", nil, headers)
  end
  headers["Sec-Fetch-Site"] = "same-origin"
  return wrk.format("POST", "/visit_counter/hit", headers, "")
end
""" + VISITORS_LUA[VISITORS_LUA.index("done = function"):]
NGINX_CONF = """
{user}
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    proxy_cache_path {tmp}/cache levels=1:2 keys_zone=site_pages:10m max_size=100m inactive=10m use_temp_path=off;
    upstream site {{ server {upstream}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://site;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host              $host;
            proxy_set_header X-Forwarded-For   $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            include {snippet};
        }}
    }}
}}
"""


def returning_readers(url: str, count: int = READERS) -> str:
    """The Lua script for ``--readers returning``: ``count`` readers, each after a first page view."""
    import http.cookies

    agents = re.findall(r'^  "(Mozilla[^"]+)",$', VISITORS_LUA, re.M)
    rows = []
    for n in range(count):
        address, agent = f"10.250.{n // 250}.{n % 250 + 1}", agents[n % len(agents)]
        request = urllib.request.Request(url, headers={"User-Agent": agent, "X-Forwarded-For": address})
        with urllib.request.urlopen(request, timeout=30) as response:
            jar = http.cookies.SimpleCookie()
            for header in response.headers.get_all("Set-Cookie") or []:
                jar.load(header)
        cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())
        rows.append("{" + ", ".join(json.dumps(v) for v in (address, agent, cookie)) + "}")
    return RETURNING_LUA.replace("{READERS}", "{" + ", ".join(rows) + "}", 1)


def cpu_split() -> tuple[list[str], list[str]]:
    """(taskset prefix for the server, for wrk): two cores for the server when there are more."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) > 2 and shutil.which("taskset"):
        return (["taskset", "-c", f"{cpus[0]},{cpus[1]}"],
                ["taskset", "-c", ",".join(str(c) for c in cpus[2:])])
    return [], []  # a two-core machine: server and wrk share it


def environment(instance: Path) -> dict:
    env = {**os.environ, "SITE_INSTANCE_PATH": str(instance), "PYTHONUNBUFFERED": "1"}
    for key in ("SITE_SAFE_MODE", "WEB_CONCURRENCY", "SITE_BIND", "FLASK_APP"):
        env.pop(key, None)
    return env


def make_instance(folder: Path, database: str, cache: dict, settings: list, enabled: list,
                  proxies: int = 1) -> Path:
    import tomlkit

    instance = folder / "instance"
    instance.mkdir(parents=True)
    plugins = {"enabled": enabled}
    for name, key, value in settings:
        plugins.setdefault(name, {})[key] = value
    config = {"SECRET_KEY": uuid.uuid4().hex * 2, "SQLALCHEMY_DATABASE_URI": database,
              "TRUSTED_PROXY_COUNT": proxies, "PLUGINS": plugins, **cache}
    (instance / "config.toml").write_text(tomlkit.dumps(config), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi:app", "load-demo"], cwd=ROOT,
                          env=environment(instance), capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"flask load-demo failed:\n{done.stdout}\n{done.stderr}")
    return instance


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by a server's master ``pid`` and its workers (Linux /proc)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total = 0
    for each in [pid, *map(int, children)]:
        with contextlib.suppress(FileNotFoundError):
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


class Gunicorn:
    """A gunicorn master on a free loopback port; stopped by its pid."""

    def __init__(self, app: str, instance: Path, log: Path, prefix: list[str], extra: list[str] = ()):
        self.log = log
        self.handle = open(log, "wb")
        self.process = subprocess.Popen(
            [*prefix, sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
             "-b", "127.0.0.1:0", "--access-logfile", "/dev/null", *extra, app],
            cwd=ROOT, env=environment(instance), stdout=self.handle, stderr=subprocess.STDOUT)
        self.url = self._listening()

    def _listening(self, limit: float = 120) -> str:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited:\n{self.log.read_text()}")
            found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", self.log.read_text(errors="replace"))
            if found:
                return found.group(1)
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn did not start within {limit} s:\n{self.log.read_text()}")

    def workers(self) -> int:
        return len(re.findall(r"Booting worker with pid", self.log.read_text(errors="replace")))

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.handle.close()


class Nginx:
    """nginx with ``docs/nginx/page-cache.conf`` in front of ``upstream``, on a free loopback port."""

    def __init__(self, upstream: str, folder: Path, prefix: list[str]):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "nginx.conf"
        user = "user root;" if os.geteuid() == 0 else ""  # its workers must reach our temporary folder
        config.write_text(NGINX_CONF.format(user=user, tmp=folder, upstream=upstream.removeprefix("http://"), port=port,
                                            snippet=ROOT / "docs" / "nginx" / "page-cache.conf"), encoding="utf-8")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        checked = subprocess.run([nginx, "-t", "-c", str(config), "-p", str(folder)], capture_output=True, text=True)
        if checked.returncode != 0:
            raise SystemExit(f"nginx -t failed:\n{checked.stderr}")
        self.process = subprocess.Popen([*prefix, nginx, "-c", str(config), "-p", str(folder)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            time.sleep(0.1)
        raise SystemExit("nginx did not start")

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def cache_status(url: str) -> str:
    """nginx's X-Cache-Status for ``url`` asked twice (HIT when the page cache works)."""
    for _ in range(2):
        request = urllib.request.Request(url, headers={"User-Agent": "Mozilla/5.0 Firefox/128.0 bench-check"})
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            status = response.headers.get("X-Cache-Status", "")
    return status


def fetch(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"User-Agent": "Mozilla/5.0 Firefox/128.0 bench-check"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode("utf-8")


def wrk(url: str, seconds: int, connections: int, script: Path, prefix: list[str]) -> dict:
    command = [*prefix, "wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"wrk failed:\n{done.stdout}\n{done.stderr}")
    result = json.loads(lines[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def measure(name: str, server: Gunicorn, path: str, args, script: Path, prefix: list[str],
            front: Nginx | None = None) -> dict:
    """wrk against ``server`` (or the page cache ``front`` of it); CPU of both, per page view."""
    url = (front or server).url + path
    status, html = fetch(url)
    if status != 200:
        raise SystemExit(f"{name}: {url} answered {status}")
    if front is not None:  # each page view: the cached page, then the beacon
        if cache_status(url) != "HIT":
            raise SystemExit(f"{name}: nginx did not serve {url} from its cache")
        script = script.with_name("page-and-beacon.lua")
        agents = re.findall(r'^  ("Mozilla[^"]+"),$', VISITORS_LUA, re.M)
        script.write_text(PAGE_AND_BEACON_LUA.replace("{AGENTS}", "{" + ", ".join(agents) + "}"), encoding="utf-8")
    elif args.readers == "returning":
        script = script.with_name(f"returning-{uuid.uuid4().hex[:6]}.lua")
        script.write_text(returning_readers(url), encoding="utf-8")
    servers = [server] + ([front] if front else [])
    wrk(url, args.warmup, args.connections, script, prefix)  # every worker warm: imports, templates, pools
    cpu = sum(s.cpu_seconds() for s in servers)
    result = wrk(url, args.duration, args.connections, script, prefix)
    if front is not None:
        result["requests"] //= 2  # page views: a GET and a beacon POST each
        result["rps"] = result["requests"] / result["seconds"]
    result["server_cpu_ms"] = (sum(s.cpu_seconds() for s in servers) - cpu) * 1000 / result["requests"]
    result.update(name=name, url=url, bytes=len(html.encode()), workers=server.workers(),
                  widgets=sorted(set(re.findall(r'data-widget="([a-z_]+)"', html))))
    unit = "views/s" if front is not None else "req/s"
    print(f"  {name:<28} {result['rps']:8.1f} {unit}   p50 {result['p50_ms']:6.1f} ms   "
          f"p99 {result['p99_ms']:6.1f} ms   gunicorn CPU {result['server_cpu_ms']:5.2f} ms/request   "
          f"errors {result['socket_errors'] + result['non_2xx']}", flush=True)
    return result


@contextlib.contextmanager
def database(kind: str, folder: Path, postgres_url: str):
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'site.db'}"
        return
    from site_core.testing import postgres_reachable, scratch_schema

    reason = postgres_reachable(postgres_url)
    if reason:
        raise SystemExit(reason)
    with scratch_schema(postgres_url) as url:
        yield url


def run(kind: str, args, script: Path, server_cpus: list[str], wrk_cpus: list[str]) -> dict:
    cache = {"CACHE_TYPE": "SimpleCache"}
    if args.cache == "redis":
        cache = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": args.redis_url,
                 "CACHE_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:8]}:"}
    with tempfile.TemporaryDirectory(prefix=f"site-bench-{kind}-") as tmp, \
            database(kind, Path(tmp), args.postgres_url) as url:
        folder = Path(tmp)
        print(f"{kind}: loading the demo content…", flush=True)
        settings, proxies = args.set, 1
        if args.page_cache:  # pages the same for every reader; wrk plays the load balancer before nginx
            settings = [("visit_counter", "mode", "beacon"), ("survey_poll", "shared_cache", True), *settings]
            proxies = 2
        instance = make_instance(folder, url, cache, settings, args.plugins, proxies)
        results = {}
        page = f"article page, {len(args.plugins)} widgets" + (", page cache + beacon" if args.page_cache else "")
        for name, app, path, extra in (
                (page, "wsgi:app", f"/bai-viet/{args.slug}", []),
                ("baseline (no widgets, no DB)", "load_baseline:app", f"/baseline/{args.slug}",
                 ["--pythonpath", str(BENCH)])):
            server = Gunicorn(app, instance, folder / f"{app.split(':')[0]}.log", server_cpus, extra)
            front = Nginx(server.url, folder / "nginx", server_cpus) if args.page_cache and name == page else None
            try:
                results[name] = measure(name, server, path, args, script, wrk_cpus, front)
            finally:
                if front is not None:
                    front.stop()
                server.stop()
            if front is not None:  # the beacons were counted: the workers wrote what they held as they stopped
                done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi:app", "counter", "stats", "--json"],
                                      cwd=ROOT, env=environment(instance), capture_output=True, text=True, timeout=120)
                today = json.loads(done.stdout)["today"]
                print(f"  counted today: {today['page_views']:,} page views, {today['visits']:,} visits "
                      f"(measured: {results[name]['requests']:,} page views, after the warm-up's)", flush=True)
        full, base = results[page], results["baseline (no widgets, no DB)"]
        ratio = full["rps"] / base["rps"]
        verdict = "meets" if ratio >= 0.5 and full["p99_ms"] < 50 else "misses"
        print(f"  ratio {ratio:.0%} of the baseline's throughput; p99 {full['p99_ms']:.1f} ms "
              f"({verdict} the target: >= 50 %, p99 < 50 ms); CPU per request "
              f"{full['server_cpu_ms'] / base['server_cpu_ms']:.1f}x the baseline's\n", flush=True)
        return {"database": kind, "cache": cache["CACHE_TYPE"], "plugins": args.plugins, "settings": args.set,
                "ratio": ratio,
                "results": results}


def plugin_setting(text: str) -> tuple:
    import tomllib

    name, _, rest = text.partition(".")
    key, _, value = rest.partition("=")
    if not (name and key and value):
        raise argparse.ArgumentTypeError(f"expected PLUGIN.KEY=VALUE, got {text!r}")
    return name, key, tomllib.loads(f"v = {value}")["v"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--duration", type=int, default=20, help="seconds measured per target (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load before measuring (default 3)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--cache", choices=("simple", "redis"), default="simple")
    parser.add_argument("--redis-url", default=REDIS_DEFAULT)
    parser.add_argument("--postgres-url", default=os.environ.get("SITE_TEST_DATABASE_URL") or PG_DEFAULT)
    parser.add_argument("--slug", default=SEED, help="the article measured (default: the seed article)")
    parser.add_argument("--plugins", type=lambda text: [p for p in text.split(",") if p], default=PLUGINS,
                        help=f"plugins enabled on the measured page (default {','.join(PLUGINS)}; '' for none)")
    parser.add_argument("--set", type=plugin_setting, action="append", default=[], metavar="PLUGIN.KEY=VALUE",
                        help="a plugin setting, e.g. survey_poll.shared_cache=true (TOML value; repeatable)")
    parser.add_argument("--readers", choices=("new", "returning"), default="new",
                        help="new: every request a new reader (default, the worst case); returning: "
                             f"{READERS} readers in the middle of a visit, sending their cookies")
    parser.add_argument("--page-cache", action="store_true",
                        help="nginx with docs/nginx/page-cache.conf in front of the page, the counter in beacon "
                             "mode and the poll in shared-cache mode; each page view is its GET and the "
                             "beacon's POST")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    server_cpus, wrk_cpus = cpu_split()
    print(f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs; server on {'two of them' if server_cpus else 'all (shared with wrk)'}; "
          f"{args.connections} connections, {args.duration} s per target, cache {args.cache}, "
          f"{args.readers} readers\n", flush=True)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "visitors.lua"
        script.write_text(VISITORS_LUA, encoding="utf-8")
        for kind in [k.strip() for k in args.databases.split(",") if k.strip()]:
            runs.append(run(kind, args, script, server_cpus, wrk_cpus))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(runs, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
