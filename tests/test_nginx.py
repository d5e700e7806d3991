"""The deployment guide's nginx front (``docs/nginx/``) before the real app.

nginx, with the snippets included as the guide says, proxies to the app
served on loopback.

The front: whatever nginx answers itself (a request line or header too
long, a body too large, the site down) carries the site's security
headers and echoes nothing the client sent; the site's own answers keep
the site's headers, once.

The page cache: with the counter in beacon mode and the poll in
shared-cache mode a reader page is kept and served again; the beacon is
never cached, so every page view is counted; the poll's pages and any answer
that sets a cookie are never stored, so a page drawn for one reader cannot
reach another. Skips, saying why, where nginx is not installed (``.ci/run``
installs Debian's package).
"""
from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from site_core.testing import free_port, nginx_config

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = ROOT / "docs" / "nginx"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx; .ci/run does)")



@contextlib.contextmanager
def behind_nginx(app, folder: Path, cache: bool = True):
    """The app on a loopback server thread, nginx as the guide sets it up before it; yields nginx's URL.

    Without an app nothing answers behind nginx (the site is down).
    """
    server = make_server("127.0.0.1", 0 if app else free_port(), app or (lambda *_: []), threaded=True)
    if app:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    else:
        server.server_close()
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "nginx.conf"
    config.write_text(nginx_config(folder, SNIPPETS, f"127.0.0.1:{server.server_port}", port, cache),
                      encoding="utf-8")
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
        if app:
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


# --- the front: nginx's own answers ------------------------------------------------------

ECHO = b"tham-so-doc-hai"  # text a client sends that must never come back
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options")


def exchange(base: str, request: bytes) -> tuple[int, dict[str, list[str]], bytes]:
    """Send raw bytes to nginx; the status, headers (lower-case names) and body of its answer."""
    host, port = base.removeprefix("http://").split(":")
    answer = bytearray()
    with socket.create_connection((host, int(port)), timeout=60) as client:
        with contextlib.suppress(ConnectionResetError):  # nginx may reset once it has answered
            client.sendall(request)
            while chunk := client.recv(65536):
                answer += chunk
    head, _, body = bytes(answer).partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, list[str]] = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return int(status.split()[1]), headers, body


REFUSED = {
    "request line too long": (b"GET /" + ECHO * 400 + b" HTTP/1.1\r\nHost: site\r\n\r\n", 414),
    "malformed request line": (b"GET /<script>" + ECHO + b" HTTP/1.1 x\r\nHost: site\r\n\r\n", 400),
    "header too long": (b"GET / HTTP/1.1\r\nHost: site\r\nX-Note: " + ECHO * 400 + b"\r\n\r\n", 400),
    "body too large": (b"POST /" + ECHO + b" HTTP/1.1\r\nHost: site\r\nContent-Length: 2000000\r\n"
                       b"Content-Type: application/x-www-form-urlencoded\r\n\r\nq=" + ECHO, 413),
}


@pytest.mark.parametrize("request_bytes, status", REFUSED.values(), ids=REFUSED)
def test_nginx_refuses_a_bad_request_itself_with_the_sites_headers_and_no_echo(
        site_app, tmp_path, request_bytes, status):
    with behind_nginx(site_app, tmp_path, cache=False) as base:
        answer = exchange(base, request_bytes)
    assert answer[0] == status
    assert all(len(answer[1].get(name, [])) == 1 for name in SECURITY_HEADERS), answer[1]
    assert ECHO not in answer[2] and b"script" not in answer[2] and b"nginx/" not in answer[2]


def test_with_the_site_down_nginx_answers_502_with_the_sites_headers(tmp_path):
    with behind_nginx(None, tmp_path, cache=False) as base:
        status, headers, _ = exchange(base, b"GET / HTTP/1.1\r\nHost: site\r\nConnection: close\r\n\r\n")
    assert status == 502 and all(name in headers for name in SECURITY_HEADERS)


def test_the_sites_own_answers_keep_the_sites_headers_once(site_app, tmp_path):
    from site_core.security import content_security_policy

    with behind_nginx(site_app, tmp_path, cache=False) as base:
        for path in (b"/", b"/no-such-page"):
            status, headers, _ = exchange(base, b"GET " + path + b" HTTP/1.1\r\nHost: site\r\nConnection: close\r\n\r\n")
            assert headers["content-security-policy"] == [content_security_policy(site_app)], path
            assert all(len(headers[name]) == 1 for name in SECURITY_HEADERS), (path, headers)
            assert "x-cache-status" not in headers  # no page cache here: the header is left out


def test_a_client_that_stalls_mid_request_is_cut_off_by_nginx_not_passed_to_the_site(site_app, tmp_path):
    seen = []
    site_app.before_request(lambda: seen.append(1))
    with behind_nginx(site_app, tmp_path, cache=False) as base:
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=60) as client:
            client.sendall(b"GET / HTTP/1.1\r\nHost: site\r\nUser-Agent: slow")
            try:
                closed = client.recv(1) == b""  # waits for client_header_timeout
            except ConnectionResetError:  # reset_timedout_connection
                closed = True
    assert closed and seen == []
