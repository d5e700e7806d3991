"""The deployment guide's page cache (``docs/nginx/page-cache.conf``) in front of the real app.

nginx, with the snippet included as the guide says, proxies to the app
served on loopback. With the counter in beacon mode and the poll in
shared-cache mode a reader page is kept and served again; the beacon is
never cached, so every page view is counted; the poll's pages and any answer
that sets a cookie are never stored, so a page drawn for one reader cannot
reach another. Skips, saying why, where nginx is not installed (``.ci/run``
installs Debian's package).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
SNIPPET = ROOT / "docs" / "nginx" / "page-cache.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CONFIG = """
{user}
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    proxy_cache_path {folder}/cache levels=1:2 keys_zone=site_pages:1m max_size=10m inactive=10m use_temp_path=off;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            include {snippet};
        }}
    }}
}}
"""

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx; .ci/run does)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def behind_nginx(app, folder: Path):
    """The app on a loopback server thread, nginx with the snippet before it; yields nginx's URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""  # nginx's workers must reach the test's folder
    config.write_text(CONFIG.format(user=user, folder=folder, port=port, upstream=server.server_port,
                                    snippet=SNIPPET), encoding="utf-8")
    checked = subprocess.run([NGINX, "-t", "-c", str(config), "-p", str(folder)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen([NGINX, "-c", str(config), "-p", str(folder)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        nginx.terminate()
        nginx.wait(timeout=30)
        server.shutdown()


def get(url: str, **headers) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers={"User-Agent": BROWSER, **headers})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, dict(response.headers), response.read().decode("utf-8")


def post_beacon(base: str) -> tuple[int, str]:
    request = urllib.request.Request(f"{base}/visit_counter/hit", data=b"", method="POST",
                                     headers={"User-Agent": BROWSER, "Sec-Fetch-Site": "same-origin"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers.get("X-Cache-Status", "")


def shared_pages(site_app_factory, **counter):
    plugins = {"enabled": ["visit_counter", "survey_poll"], "visit_counter": {"mode": "beacon", **counter},
               "survey_poll": {"shared_cache": True}}
    return site_app_factory({"PLUGINS": plugins})


def test_a_reader_page_is_served_from_the_cache_and_every_beacon_reaches_the_counter(
        site_app_factory, make_article, tmp_path):
    from site_visit_counter.counting import write_pending

    app = shared_pages(site_app_factory, write_interval_ms=0)
    article = make_article(app, title="Thông báo lịch học")
    with behind_nginx(app, tmp_path) as base:
        statuses = [get(f"{base}/bai-viet/{article.slug}")[1].get("X-Cache-Status") for _ in range(3)]
        assert statuses[0] == "MISS" and statuses[1:] == ["HIT", "HIT"]
        assert [post_beacon(base) for _ in range(3)] == [(204, "")] * 3  # never stored, never answered by nginx
    write_pending(app)
    stats = app.test_cli_runner().invoke(args=["counter", "stats", "--json"]).output
    assert '"page_views": 3' in stats


def test_answers_for_one_reader_are_never_stored(site_app_factory, make_article, make_poll_in, tmp_path):
    server_mode = site_app_factory({"PLUGINS": {"enabled": ["visit_counter"]}})  # the guide's settings forgotten
    article = make_article(server_mode, title="Trang đặt cookie")
    with behind_nginx(server_mode, tmp_path / "cookie") as base:
        answers = [get(f"{base}/bai-viet/{article.slug}")[1] for _ in range(2)]
        assert all("visit_counter=" in a.get("Set-Cookie", "") for a in answers)
        assert [a.get("X-Cache-Status") for a in answers] == ["MISS", "MISS"]  # not kept

    app = shared_pages(site_app_factory)
    poll = make_poll_in(app)
    with behind_nginx(app, tmp_path / "poll") as base:
        for page in (f"/survey_poll/{poll}", f"/survey_poll/{poll}/bieu-mau"):
            answers = [get(base + page)[1] for _ in range(2)]
            assert [a.get("X-Cache-Status") for a in answers] == ["MISS", "MISS"], page
            assert "no-store" in answers[0].get("Cache-Control", ""), page


@pytest.fixture
def make_poll_in():
    def make(app) -> int:
        result = app.test_cli_runner().invoke(args=["poll", "create", "Bạn đọc tin ở đâu?", "Trang web", "Báo in"])
        assert result.exit_code == 0, result.output
        return int(result.output.split("Created poll ")[1].split(":")[0])

    return make
