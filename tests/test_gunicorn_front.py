"""The site served by gunicorn as ``gunicorn.conf.py`` sets it up, facing slow and broken clients.

A client that opens a connection and stalls before its request is complete
must not hold up other readers: the test starts the real server (two
workers, as small as a deployment gets), leaves six such connections
hanging, and asks for the home page while they still hang.
"""
from __future__ import annotations

import importlib.util
import socket
import uuid
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("scale_gunicorn", Path(__file__).with_name("test_scale_gunicorn.py"))
scale_gunicorn = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scale_gunicorn)  # its Server: gunicorn -c gunicorn.conf.py on a free port
Server, write_config = scale_gunicorn.Server, scale_gunicorn.write_config

pytestmark = pytest.mark.slow


@pytest.fixture
def gunicorn(site_app_factory, tmp_path):
    """gunicorn with the repository's settings and two workers; yields (host, port)."""
    settings = {"SECRET_KEY": uuid.uuid4().hex * 2, "PLUGINS": {}}  # every installed plugin
    setup = site_app_factory({"PLUGINS": {}})  # init-db
    settings["SQLALCHEMY_DATABASE_URI"] = setup.config["SQLALCHEMY_DATABASE_URI"]
    write_config(tmp_path / "server", settings)
    server = Server(tmp_path / "server", tmp_path / "gunicorn.log", workers=2)
    try:
        host, port = server.url.removeprefix("http://").split(":")
        yield host, int(port)
    finally:
        server.stop()


def stalled_clients(address) -> list[socket.socket]:
    """Six connections that never finish their request: silent, mid-headers, mid-body."""
    partial = [b"", b"GET / HTTP/1.1\r\nHost: site\r\nUser-Agent: slow",
               b"POST /search HTTP/1.1\r\nHost: site\r\nContent-Length: 4096\r\n"
               b"Content-Type: application/x-www-form-urlencoded\r\n\r\nq=tin"]
    clients = []
    for start in partial * 2:
        client = socket.create_connection(address, timeout=60)
        client.sendall(start)
        clients.append(client)
    return clients


def still_open(client: socket.socket) -> bool:
    client.setblocking(False)
    try:
        return client.recv(1) != b""  # data (unexpected, but open) or EOF
    except BlockingIOError:
        return True  # nothing to read and not closed
    except OSError:
        return False


def get_home(address) -> bytes:
    with socket.create_connection(address, timeout=60) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: site\r\nConnection: close\r\n\r\n")
        return b"".join(iter(lambda: client.recv(65536), b""))


def test_readers_are_answered_while_six_clients_hang_half_way(gunicorn):
    hanging = stalled_clients(gunicorn)
    try:
        answers = [get_home(gunicorn) for _ in range(10)]
        assert all(a.startswith(b"HTTP/1.1 200 ") for a in answers), [a[:40] for a in answers]
        # ...answered while the clients stalled mid-request still hang, not after the server dropped them
        assert all(still_open(client) for client in hanging[1::3] + hanging[2::3])
    finally:
        for client in hanging:
            client.close()


def post(address, head: bytes, body: bytes) -> bytes:
    with socket.create_connection(address, timeout=60) as client:
        client.sendall(head + b"\r\n" + body)
        answer = bytearray()
        try:
            while chunk := client.recv(65536):
                answer += chunk
        except ConnectionResetError:  # the server may close before reading all of an oversized body
            pass
        return bytes(answer)


def test_a_form_is_read_by_the_site_and_an_oversized_one_refused_with_its_headers(gunicorn):
    pytest.importorskip("site_survey_poll", reason="the survey poll (a form to post to) is not installed")
    post_form = b"POST /survey_poll/1/vote HTTP/1.1\r\nHost: site\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    form = b"q=" + "tuyển sinh".encode() * 10
    big = b"q=" + b"x" * (1024 * 1024)  # MAX_CONTENT_LENGTH is 1 MiB
    chunked = b"Transfer-Encoding: chunked\r\n"
    answers = {
        "form": post(gunicorn, post_form + b"Content-Length: %d\r\n" % len(form), form),
        "chunked form": post(gunicorn, post_form + chunked, b"%x\r\n%s\r\n0\r\n\r\n" % (len(form), form)),
        "too large": post(gunicorn, post_form + b"Content-Length: %d\r\n" % len(big), big),
        "chunked, too large": post(gunicorn, post_form + chunked, b"%x\r\n%s\r\n0\r\n\r\n" % (len(big), big)),
    }
    statuses = {name: answer.split(b" ", 2)[1] for name, answer in answers.items()}
    # a read form without a CSRF token is refused (400); one too large is never parsed (413)
    assert statuses == {"form": b"400", "chunked form": b"400", "too large": b"413", "chunked, too large": b"413"}
    assert all(b"Content-Security-Policy" in answer for answer in answers.values())  # the site's own pages
