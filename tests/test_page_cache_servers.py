"""Two servers on one PostgreSQL database, each with its own page cache, stay consistent.

Two gunicorn masters (two workers each) serve the same site; readers hit
both; an edit committed to the database is shown by the next request to
either, because every request reads the content version from the database
(or takes a read that began after it arrived, which its worker or a sibling
worker made while it waited).
"""
from __future__ import annotations

import concurrent.futures
import importlib.util
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

_edits = importlib.util.spec_from_file_location("page_cache_tests", Path(__file__).with_name("test_page_cache.py"))
page_cache_tests = importlib.util.module_from_spec(_edits)
_edits.loader.exec_module(page_cache_tests)  # edit(): what an editor's save does
edit = page_cache_tests.edit

_spec = importlib.util.spec_from_file_location("scale_gunicorn", Path(__file__).with_name("test_scale_gunicorn.py"))
scale_gunicorn = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scale_gunicorn)
Server, write_config = scale_gunicorn.Server, scale_gunicorn.write_config

pytestmark = pytest.mark.slow


def read(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode()


def test_an_edit_is_seen_at_once_through_two_servers_sharing_one_database(site_app_factory, make_article,
                                                                         tmp_path):
    setup = site_app_factory({"PLUGINS": {}})  # every table, every installed plugin
    url = setup.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("two servers share one database on PostgreSQL")
    article = make_article(setup, title="Bản đầu", body="<p>bản-đầu</p>")
    settings = {"SECRET_KEY": uuid.uuid4().hex * 2, "PLUGINS": {}, "SQLALCHEMY_DATABASE_URI": url}
    servers = []
    try:
        for name in ("a", "b"):
            write_config(tmp_path / name, settings)
            servers.append(Server(tmp_path / name, tmp_path / f"{name}.log", workers=2))
        pages = [f"{server.url}/bai-viet/{article.slug}" for server in servers]
        for _ in range(4):  # each worker of each server keeps the page
            assert all("bản-đầu" in read(page) for page in pages)
        edit(setup, article.slug, body="<p>bản-sau</p>")
        for _ in range(4):
            for page in pages:
                html = read(page)
                assert "bản-sau" in html and "bản-đầu" not in html
    finally:
        for server in servers:
            server.stop()


def test_under_load_on_four_workers_no_request_sent_after_an_edit_shows_the_old_text(site_app_factory, make_article,
                                                                                       tmp_path):
    """Readers keep four workers busy, so requests wait and share the workers' version reads;
    none sent after the edit committed may show the text before it."""
    setup = site_app_factory({"PLUGINS": {}})
    url = setup.config["SQLALCHEMY_DATABASE_URI"]
    article = make_article(setup, title="Tin một", body="<p>bản-một</p>")
    write_config(tmp_path / "site", {"SECRET_KEY": uuid.uuid4().hex * 2, "PLUGINS": {}, "SQLALCHEMY_DATABASE_URI": url})
    server = Server(tmp_path / "site", tmp_path / "site.log", workers=4)
    seen, committed, stop = [], [], threading.Event()

    def reader(path):
        while not stop.is_set():
            sent = time.monotonic()
            seen.append((sent, "Tin một" in read(server.url + path)))

    try:
        paths = [f"/bai-viet/{article.slug}", "/"] * 6
        with concurrent.futures.ThreadPoolExecutor(len(paths)) as pool:
            running = [pool.submit(reader, path) for path in paths]
            time.sleep(1.0)
            edit(setup, article.slug, title="Tin hai", body="<p>bản-hai</p>")
            committed.append(time.monotonic())
            time.sleep(1.0)
            stop.set()
            for done in running:
                done.result()
    finally:
        server.stop()
    before = [old for sent, old in seen if sent < committed[0]]
    after = [old for sent, old in seen if sent > committed[0]]
    assert any(before) and len(after) > 20  # the load ran on both sides of the edit
    assert not any(after)
