"""Articles and the menu are cached in each process, yet never shown stale.

Two apps on one database stand for two gunicorn workers (or two hosts); the
second one's CLI stands for an editor. Whatever the editor commits, the
worker shows on its very next request — on SQLite and PostgreSQL alike.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import time

import pytest
import sqlalchemy as sa

from site_core import clock
from site_core.db import db

UTC = dt.timezone.utc


@pytest.fixture
def worker_and_editor(site_app_factory):
    """A worker serving pages and an editor's app (the CLI) on the same database."""
    worker = site_app_factory({"PLUGINS": {"enabled": []}})
    same = {"PLUGINS": {"enabled": []}, "SQLALCHEMY_DATABASE_URI": worker.config["SQLALCHEMY_DATABASE_URI"]}
    return worker, site_app_factory(same, create_tables=False)


def import_lines(app, tmp_path, *articles) -> None:
    path = tmp_path / f"import-{id(articles)}.jsonl"
    path.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in articles), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-articles", str(path)])
    assert result.exit_code == 0, result.output


@contextlib.contextmanager
def statements_sent(app):
    """The (statement, parameters) pairs ``app`` sends to its database inside the block."""
    with app.app_context():
        engine = db.engine
    sent = []

    def record(_conn, _cursor, statement, parameters, *_args):
        sent.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


ARTICLE = {"title": "Hội nghị tổng kết năm học", "body": "<p>Nội dung ban đầu.</p>", "category": "Tin hoạt động",
           "author": "Phòng Đào tạo"}
URL = "/bai-viet/hoi-nghi-tong-ket-nam-hoc"


def test_an_edit_made_elsewhere_shows_on_the_next_request(worker_and_editor, tmp_path):
    worker, editor = worker_and_editor
    import_lines(editor, tmp_path, ARTICLE)
    reader = worker.test_client()
    assert "Nội dung ban đầu." in reader.get(URL).get_data(as_text=True)  # now cached in the worker

    import_lines(editor, tmp_path, {**ARTICLE, "body": "<p>Nội dung đã sửa.</p>", "slug": "hoi-nghi-tong-ket-nam-hoc"})
    page = reader.get(URL).get_data(as_text=True)
    assert "Nội dung đã sửa." in page and "Nội dung ban đầu." not in page


def test_a_page_rendered_from_a_read_begun_before_an_edit_is_not_kept_as_the_edited_version(
        worker_and_editor, tmp_path):
    """A plugin's ``before_request`` reads (the request's transaction, and on SQLite its snapshot,
    begins), then an edit commits elsewhere before the page is rendered: the page shows the
    content of its snapshot, and the next request the edit."""
    import threading

    from flask import request

    from site_core.articles import Article

    worker, editor = worker_and_editor
    import_lines(editor, tmp_path, ARTICLE)
    edited = {**ARTICLE, "body": "<p>Nội dung đã sửa.</p>"}
    edits = []

    def read_then_an_edit_elsewhere():
        if request.path == URL and not edits:
            db.session.execute(sa.select(Article.id)).all()
            editing = threading.Thread(target=import_lines, args=(editor, tmp_path, edited))
            editing.start()
            editing.join()
            edits.append(editing)

    worker.before_request_funcs.setdefault(None, []).insert(0, read_then_an_edit_elsewhere)
    reader = worker.test_client()
    reader.get(URL)
    page = reader.get(URL).get_data(as_text=True)
    assert edits and "Nội dung đã sửa." in page and "Nội dung ban đầu." not in page


class CountingCursor:
    """Stands in for the kept connection's cursor, counting the version reads sent on it."""

    def __init__(self, cursor):
        self.cursor, self.sent = cursor, 0

    def execute(self, *args, **kwargs):
        self.sent += 1
        return self.cursor.execute(*args, **kwargs)

    def fetchone(self):
        return self.cursor.fetchone()


def test_requests_that_waited_together_share_one_version_read_begun_after_they_arrived(
        worker_and_editor, tmp_path):
    """A busy worker: requests that arrived while another was served take the answer of a read
    begun after they arrived, with no round trip of their own; one that arrives after an edit
    reads again and shows it."""
    from site_core.content_version import ARRIVED, READER_KEY

    worker, editor = worker_and_editor
    import_lines(editor, tmp_path, ARTICLE)
    reader = worker.test_client()
    kept = worker.extensions[READER_KEY]
    arrived_together = time.monotonic()
    first = reader.get(URL, environ_base={ARRIVED: arrived_together}).get_data(as_text=True)  # reads
    kept._cursor = counting = CountingCursor(kept._cursor)
    waited = reader.get(URL, environ_base={ARRIVED: arrived_together}).get_data(as_text=True)
    assert waited == first and counting.sent == 0

    import_lines(editor, tmp_path, {**ARTICLE, "body": "<p>Nội dung đã sửa.</p>", "slug": "hoi-nghi-tong-ket-nam-hoc"})
    page = reader.get(URL).get_data(as_text=True)  # arrives after the edit: stamped as it comes in
    assert "Nội dung đã sửa." in page and counting.sent == 1
    late_but_early = reader.get(URL, environ_base={ARRIVED: time.monotonic() - 3600}).get_data(as_text=True)
    assert late_but_early == page and counting.sent == 1  # a read begun after it arrived: shared


def test_a_worker_takes_a_version_read_its_sibling_began_after_the_request_arrived(site_app_factory):
    """gunicorn's workers, forked from one master, share their latest read: a request that
    waited takes a sibling's answer if that read began after the request arrived; a sibling's
    read begun before it never."""
    import os

    from site_core.content_version import READER_KEY

    app = site_app_factory({"PLUGINS": {"enabled": []}})
    kept = app.extensions[READER_KEY]
    arrived, go = time.monotonic(), os.pipe()
    pid = os.fork()
    if pid == 0:  # a worker whose request arrived at `arrived`, waiting while its sibling reads
        code = 1
        try:
            os.read(go[0], 1)
            with app.app_context():
                kept._cursor = counting = CountingCursor(kept._cursor)  # the master's: never opened
                shared = kept.read(since=arrived)
                code = 0 if counting.sent == 0 and kept._fairy is None else 2
                after = time.monotonic()
                code = code or (0 if kept.read(since=after) == shared and kept._fairy is not None else 3)
                db.engine.dispose()
        finally:
            os._exit(code)
    with app.app_context():
        kept.read(since=time.monotonic())  # the sibling's read, begun after the request arrived
    os.write(go[1], b"1")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_read_ahead_that_fails_leaves_the_request_to_read_for_itself(site_app, make_article, monkeypatch):
    """The database gone for a moment while a request waits its turn: no error there, and the
    request reads the version in its turn as any other."""
    from site_core.content_version import ENVIRON_KEY, READ, READER_KEY, read_ahead

    article = make_article(site_app, title="Tin đọc trước")
    reader = site_app.extensions[READER_KEY]

    def gone(since=None):
        raise sa.exc.OperationalError(READ, {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(reader, "read", gone)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": f"/bai-viet/{article.slug}"}
    read_ahead(site_app, environ)
    assert ENVIRON_KEY not in environ
    monkeypatch.undo()
    page = site_app.test_client().get(f"/bai-viet/{article.slug}", environ_base=environ)
    assert page.status_code == 200 and "Tin đọc trước" in page.text


def test_a_shared_read_torn_by_two_writers_counts_as_no_read():
    from site_core.content_version import LatestRead

    latest, other = LatestRead(), LatestRead()
    latest.put(100.0, 7)
    other.put(200.0, 8)
    assert latest.get() == (100.0, 7)
    latest._memory[:8] = other._memory[:8]  # one writer's time, the other's version
    assert latest.get() is None
    latest.put(150.0, 9)
    assert latest.get() == (150.0, 9)
    latest.put(120.0, 10)  # began before the one recorded: kept out
    assert latest.get() == (150.0, 9)


def test_an_article_unpublished_or_deleted_elsewhere_is_gone_at_once(worker_and_editor, tmp_path):
    worker, editor = worker_and_editor
    import_lines(editor, tmp_path, ARTICLE, {**ARTICLE, "title": "Bài thứ hai"})
    reader = worker.test_client()
    assert reader.get(URL).status_code == 200 and reader.get("/bai-viet/bai-thu-hai").status_code == 200

    import_lines(editor, tmp_path, {**ARTICLE, "status": "draft", "slug": "hoi-nghi-tong-ket-nam-hoc"})
    assert reader.get(URL).status_code == 404
    result = editor.test_cli_runner().invoke(args=["delete-article", "bai-thu-hai"])
    assert result.exit_code == 0, result.output
    assert reader.get("/bai-viet/bai-thu-hai").status_code == 404


def test_a_new_category_made_elsewhere_is_in_the_menu_at_once(worker_and_editor, tmp_path):
    worker, editor = worker_and_editor
    import_lines(editor, tmp_path, ARTICLE)
    reader = worker.test_client()
    assert "Tuyển sinh" not in reader.get("/").get_data(as_text=True)

    import_lines(editor, tmp_path, {**ARTICLE, "title": "Thông báo tuyển sinh", "category": "Tuyển sinh"})
    assert 'href="/chuyen-muc/tuyen-sinh"' in reader.get("/").get_data(as_text=True)


def test_while_nothing_changes_an_article_costs_no_query_but_the_versions(worker_and_editor, tmp_path,
                                                                          monkeypatch):
    from site_core import content_version

    worker, editor = worker_and_editor
    import_lines(editor, tmp_path, {**ARTICLE, "tags": ["Đại hội", "Năm học"]})
    reader = worker.test_client()
    first = reader.get(URL).get_data(as_text=True)
    reads = []
    monkeypatch.setattr(content_version, "read",
                        lambda since=None, real=content_version.read: reads.append(real(since)) or reads[-1])
    with statements_sent(worker) as sent:
        again = reader.get(URL).get_data(as_text=True)
    assert again == first  # tags, category, menu: the same page
    assert sent == []  # not even a session: the version is read on a driver connection of its own
    assert len(reads) == 1


def test_a_cached_article_is_still_checked_against_the_clock(site_app, make_article):
    when = dt.datetime(2026, 3, 2, 3, 21, 41, tzinfo=UTC)
    make_article(site_app, title="Lịch thi học kỳ", published_at=when)
    reader = site_app.test_client()
    clock.freeze(site_app, when + dt.timedelta(minutes=1))
    assert reader.get("/bai-viet/lich-thi-hoc-ky").status_code == 200  # cached from here on
    clock.freeze(site_app, when - dt.timedelta(minutes=1))
    assert reader.get("/bai-viet/lich-thi-hoc-ky").status_code == 404  # not yet public at that time


def test_every_committed_change_moves_the_version_and_a_rolled_back_one_does_not(site_app, make_article):
    from site_core import content_version
    from site_core.articles import Article

    def version():
        with site_app.test_request_context():
            return content_version.current()

    before = version()
    make_article(site_app, title="Bài mới")
    after_insert = version()
    assert after_insert > before
    with site_app.app_context():
        article = db.session.scalar(sa.select(Article))
        article.title = "Bài mới (sửa)"
        db.session.flush()
        db.session.rollback()
    assert version() == after_insert
    with site_app.app_context():
        db.session.scalar(sa.select(Article)).title = "Bài mới (sửa)"
        db.session.commit()
    assert version() == after_insert + 1


def query_plans(app, path: str) -> list[str]:
    """SQLite's plan steps for every SELECT behind one (uncached) GET of ``path``."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite's query plans; PostgreSQL plans by table statistics")
    with statements_sent(app) as statements:
        assert app.test_client().get(path).status_code == 200
    with app.app_context(), db.engine.connect() as connection:
        return [row[-1] for statement, parameters in statements if statement.lstrip().upper().startswith("SELECT")
                for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]


def test_reading_an_article_uses_indexes_only_however_many_articles_there_are(site_app, make_article):
    """No statement behind an article page scans the articles or their tags (a LEFT JOIN
    through article_tags once made SQLite read every article's tags: 37 ms per page at
    10k articles). The menu lists every category and page, so it may read them all."""
    make_article(site_app, title="Bài có thẻ", tags=["Đại hội", "Năm học"], category="Tin hoạt động")
    plans = query_plans(site_app, "/bai-viet/bai-co-the")
    scans = [step for step in plans if step.startswith("SCAN") and not step.startswith(("SCAN categories",
                                                                                         "SCAN static_pages"))]
    assert any("articles" in step for step in plans) and scans == [], plans


@pytest.mark.parametrize("path, walk", [("/", "(status=? AND published_at<?)"),
                                        ("/chuyen-muc/tin-hoat-dong", "(category_id=? AND published_at<?)")])
def test_a_listing_page_walks_its_own_articles_newest_first(site_app, make_article, path, walk):
    """Home and category pages read their public articles from an index in date order and stop
    after the page (a category page once read and sorted all its articles: 27 ms at 10k)."""
    for n in range(3):
        make_article(site_app, title=f"Tin {n}", category="Tin hoạt động")
    site_app.test_client().get("/bai-viet/tin-0")  # the menu (categories with public articles) read and cached
    plans = query_plans(site_app, path)
    listed = [step for step in plans if step.startswith("SEARCH articles") and "published_at<?" in step]
    assert listed and all(step.endswith(walk) for step in listed), plans  # the page and its count
    assert not [step for step in plans if "TEMP B-TREE" in step or step.startswith("SCAN articles")], plans


def test_the_process_cache_keeps_the_most_recently_read_entries_and_drops_all_when_the_version_moves(site_app):
    from site_core.content_version import ENVIRON_KEY, ProcessCache

    cache, computed = ProcessCache(size=2), []

    def read(key, version):
        with site_app.test_request_context(environ_base={ENVIRON_KEY: version}):  # as read from the database
            return cache.get(key, lambda: computed.append(key) or f"{key}@{version}")

    for key in ("a", "b", "a", "c"):  # "b" is the least recently read when "c" arrives
        read(key, 1)
    assert computed == ["a", "b", "c"]
    assert read("a", 1) == "a@1" and read("b", 1) == "b@1" and computed[-1] == "b"
    assert read("a", 2) == "a@2" and computed[-1] == "a"  # a new version: computed again
    assert read("c", 2) == "c@2" and computed[-1] == "c"  # older entries went with the old version


def test_a_new_article_imported_elsewhere_is_listed_at_once(worker_and_editor, tmp_path):
    worker, editor = worker_and_editor
    import_lines(editor, tmp_path, ARTICLE)
    reader = worker.test_client()
    assert "Bài mới nhất" not in reader.get("/").get_data(as_text=True)  # the listing is cached now
    import_lines(editor, tmp_path, {**ARTICLE, "title": "Bài mới nhất"})
    for path in ("/", "/chuyen-muc/tin-hoat-dong"):
        assert "Bài mới nhất" in reader.get(path).get_data(as_text=True), path


def test_a_scheduled_article_joins_the_cached_listings_when_its_time_comes(site_app, make_article):
    now = dt.datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    clock.freeze(site_app, now)
    make_article(site_app, title="Tin đã đăng", published_at=now - dt.timedelta(hours=1), category="Thông báo")
    make_article(site_app, title="Tin hẹn giờ", published_at=now + dt.timedelta(minutes=30), category="Thông báo")
    reader = site_app.test_client()
    for path in ("/", "/chuyen-muc/thong-bao"):
        assert "Tin hẹn giờ" not in reader.get(path).get_data(as_text=True)  # cached without it
    clock.freeze(site_app, now + dt.timedelta(minutes=31))
    for path in ("/", "/chuyen-muc/thong-bao"):
        assert "Tin hẹn giờ" in reader.get(path).get_data(as_text=True), path
    clock.freeze(site_app, now)  # a listing read later is never shown for an earlier time
    assert "Tin hẹn giờ" not in reader.get("/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/chuyen-muc/tin-hoat-dong", "/the/nam-hoc"])
def test_while_nothing_changes_a_listing_page_costs_no_query_of_its_own(worker_and_editor, tmp_path, path):
    worker, editor = worker_and_editor
    import_lines(editor, tmp_path, {**ARTICLE, "tags": ["Năm học"]}, {**ARTICLE, "title": "Bài thứ hai"})
    reader = worker.test_client()
    first = reader.get(path).get_data(as_text=True)
    with statements_sent(worker) as sent:
        again = reader.get(path).get_data(as_text=True)
    assert again == first and "Hội nghị tổng kết năm học" in again
    assert [s for s, _ in sent if "articles" in s or "categories" in s or "tags" in s] == []


def test_only_the_first_pages_of_a_listing_are_kept(site_app_factory, make_article):
    """Crawlers walk every page of every listing; only the first pages stay in memory."""
    from site_core.articles import CACHED_PAGES

    app = site_app_factory({"PLUGINS": {"enabled": []}, "PER_PAGE": 1})
    for n in range(CACHED_PAGES + 2):
        make_article(app, title=f"Tin số {n}")
    reader = app.test_client()
    for page in (1, CACHED_PAGES + 1):
        reader.get(f"/?page={page}")  # read once
        with statements_sent(app) as sent:
            assert reader.get(f"/?page={page}").status_code == 200
        read_again = any("FROM articles" in s for s, _ in sent)
        assert read_again == (page > CACHED_PAGES), page


def test_after_the_server_drops_the_connection_the_next_page_is_served_again(site_app_factory):
    """The version is read on a driver connection the process keeps: one the server closed is
    dropped (that request answers 503, as any database error does), the next opens a new one."""
    from site_core.content_version import READ

    app = site_app_factory({"PLUGINS": {"enabled": []}})
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL: a server that closes connections")
    killer = sa.create_engine(url, poolclass=sa.pool.NullPool)
    readers = sa.text("SELECT pid FROM pg_stat_activity WHERE query = :read AND pid <> pg_backend_pid()")
    with killer.connect() as connection:
        before = set(connection.execute(readers, {"read": READ}).scalars())
    reader = app.test_client()
    assert reader.get("/").status_code == 200
    with killer.connect() as connection:
        (kept,) = set(connection.execute(readers, {"read": READ}).scalars()) - before
        assert connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": kept}).scalar()
    killer.dispose()
    assert reader.get("/").status_code == 503
    assert reader.get("/").status_code == 200
    assert reader.get("/").status_code == 200


def test_a_forked_worker_reads_on_its_own_connection_and_leaves_its_parents_open(site_app_factory):
    """gunicorn forks its workers from a master that built the app: a worker must not read on,
    nor close, a connection it inherited (closing it would end the master's session too)."""
    import os

    from site_core import content_version

    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("Linux: the worker's open files are counted in /proc")
    app = site_app_factory({"PLUGINS": {"enabled": []}})
    with app.test_request_context():
        before = content_version.read()
    pid = os.fork()
    if pid == 0:  # the worker: reads, then closes what it holds, as a disposed engine does
        code = 1
        try:
            with app.test_request_context():
                files = len(os.listdir("/proc/self/fd"))
                code = 0 if content_version.read() == before else 2
                if len(os.listdir("/proc/self/fd")) <= files:
                    code = 3  # read on the inherited connection: no connection of its own was opened
                db.engine.dispose()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with app.test_request_context():
        assert content_version.read() == before  # the parent's connection still works
