"""What "Tin liên quan" costs at 1,000 and 10,000 articles, through the real app.

For each size and database: a fresh site filled with generated articles
(``related_make_corpus.py``, loaded straight into the core's tables), then

- ``flask related rebuild`` (wall time, the command itself);
- a page view: the widget's query for 300 random articles (median and 95th
  percentile) and how many statements one render issues;
- publish, edit and delete of an article: the plugin's hook (the sync),
  median of 5 each;
- then the largest size again with articles three times as long.

Wall times depend on what else the machine runs; CPU times (this process)
much less, so both are printed, with the load average.

Usage::

    .venv/bin/python bench/related_timing.py                       # SQLite, 1,000 and 10,000 (+ long)
    .venv/bin/python bench/related_timing.py --sizes 1000 --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from related_make_corpus import make_corpus  # noqa: E402


def _site(url: str, tmp: str):
    from site_core import create_app
    from site_core.cli import init_db

    os.environ["SITE_INSTANCE_PATH"] = tmp
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": url,
                      "PLUGINS": {"enabled": ["related_news"], "related_news": {"cache_seconds": 0}}})
    with app.app_context():
        init_db()
    return app


def load_articles(app, count: int, long: bool = False) -> float:
    """Insert ``count`` generated articles into the core's tables; returns seconds.

    ``long``: each body is three articles' bodies (about 700 words, like the
    longer articles of a real portal) to show how the cost grows with length.
    """
    from site_core.articles import Article, Category, Tag, article_tags
    from site_core.content import slugify
    from site_core.db import db

    articles, _ = make_corpus(count)
    if long:
        bodies = [a["body"] for a in articles]
        for i, article in enumerate(articles):
            article["body"] = bodies[i] + bodies[(i + 1) % count] + bodies[(i + 2) % count]
    started = time.perf_counter()

    def ids(names, table):
        found, slugs = {}, set()
        for name in sorted(set(names)):
            slug, n = slugify(name), 1
            while slug in slugs:
                n += 1
                slug = f"{slugify(name)}-{n}"
            slugs.add(slug)
            found[name] = len(found) + 1
            yield {"id": found[name], "name": name, "slug": slug}
        ids.found = found

    with app.app_context(), db.engine.begin() as connection:
        connection.execute(Category.__table__.insert(), list(ids([a["category"] for a in articles], None)))
        categories = ids.found
        connection.execute(Tag.__table__.insert(), list(ids([t for a in articles for t in a["tags"]], None)))
        tags = ids.found
        rows, links = [], []
        for number, article in enumerate(articles, start=1):
            when = dt.datetime.fromisoformat(article["published_at"]).astimezone(dt.timezone.utc)
            rows.append({"id": number, "slug": article["slug"], "title": article["title"], "summary": "",
                         "body_html": article["body"], "author": "", "author_title": "", "status": "published",
                         "published_at": when, "updated_at": when,
                         "category_id": categories[article["category"]]})
            links += [{"article_id": number, "tag_id": tags[t]} for t in article["tags"]]
        for start in range(0, len(rows), 2000):
            connection.execute(Article.__table__.insert(), rows[start:start + 2000])
        if links:
            connection.execute(article_tags.insert(), links)
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT setval(pg_get_serial_sequence('articles', 'id'), "
                                       "(SELECT max(id) FROM articles))")
    return time.perf_counter() - started


def time_page_views(app, count: int, samples: int = 300) -> tuple[float, float, int]:
    """(median ms, p95 ms, SELECT statements per render) of the widget's query."""
    from site_core.db import db
    from site_related_news.widget import related

    rng = random.Random(7)
    chosen = [rng.randint(1, count) for _ in range(samples)]
    durations = []
    with app.test_request_context("/"):
        related(chosen[0], 5)  # warm the connection
        for article_id in chosen:
            started = time.perf_counter()
            items = related(article_id, 5)
            durations.append((time.perf_counter() - started) * 1000)
            assert items, f"article {article_id} has no list"
        statements = []

        def record(conn, cursor, statement, *args):
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", record)
        related(chosen[1], 5)
        sa.event.remove(db.engine, "before_cursor_execute", record)
    durations.sort()
    return statistics.median(durations), durations[int(len(durations) * 0.95)], len(statements)


def time_changes(app, rounds: int = 5) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds of the plugin's sync after a publish, an edit and a deletion."""
    from site_core.articles import Article, ArticleInput, delete_article, notify_change, save_article
    from site_core.db import db

    articles, _ = make_corpus(rounds, seed=99)
    spent = {"publish": [], "edit": [], "delete": []}
    cpu = {"publish": [], "edit": [], "delete": []}
    with app.app_context():
        for record in articles:
            fields = {"title": record["title"], "body": record["body"], "category": record["category"],
                      "tags": tuple(record["tags"])}
            article, change = save_article(ArticleInput(**fields))
            db.session.commit()
            started, used = time.perf_counter(), time.process_time()
            notify_change(article, change)
            spent["publish"].append(time.perf_counter() - started)
            cpu["publish"].append(time.process_time() - used)
            article = db.session.get(Article, article.id)
            edited, change = save_article(ArticleInput(**{**fields, "title": fields["title"] + " (cập nhật)",
                                                           "body": fields["body"] + "<p>Bổ sung thông tin.</p>"}),
                                          existing=article)
            db.session.commit()
            started, used = time.perf_counter(), time.process_time()
            notify_change(edited, change)
            spent["edit"].append(time.perf_counter() - started)
            cpu["edit"].append(time.process_time() - used)
            victim = db.session.get(Article, edited.id)
            delete_article(victim)
            db.session.commit()
            started, used = time.perf_counter(), time.process_time()
            notify_change(victim, "deleted")
            spent["delete"].append(time.perf_counter() - started)
            cpu["delete"].append(time.process_time() - used)
    return {k: (statistics.median(spent[k]), statistics.median(cpu[k])) for k in spent}


@contextlib.contextmanager
def database(kind: str, postgres: str | None, tmp: str):
    if kind == "sqlite":
        yield f"sqlite:///{tmp}/related-bench.db"
        return
    from site_core.testing import scratch_schema

    with scratch_schema(postgres) as url:
        yield url


def timings(sizes: list[int], postgres: str | None = None, long: bool = True) -> list[str]:
    """Markdown rows; wall time and (in brackets) this process's CPU time, since a shared
    machine's wall time depends on its other load (shown at the end)."""
    out = ["| database | articles | `flask related rebuild`: wall (CPU) s | page view median / p95 (ms) "
           "| queries per view | sync after publish / edit / delete: wall (CPU) s |", "|---" * 6 + "|"]
    kinds = ["sqlite"] + (["postgresql"] if postgres else [])
    runs = [(kind, count, False) for kind in kinds for count in sizes]
    if long:
        runs += [(kind, max(sizes), True) for kind in kinds]
    loads = [os.getloadavg()[0]]
    for kind, count, is_long in runs:
        with tempfile.TemporaryDirectory() as tmp, database(kind, postgres, tmp) as url:
            app = _site(url, tmp)
            load_articles(app, count, is_long)
            runner = app.test_cli_runner()
            started, cpu = time.perf_counter(), time.process_time()
            result = runner.invoke(args=["related", "rebuild", "--quiet"])
            rebuilt, rebuilt_cpu = time.perf_counter() - started, time.process_time() - cpu
            assert result.exit_code == 0, result.output
            median, p95, queries = time_page_views(app, count)
            changes = time_changes(app)
            label = f"{count:,}" + (" (700-word articles)" if is_long else "")
            out.append(f"| {kind} | {label} | {rebuilt:.1f} ({rebuilt_cpu:.1f}) | {median:.2f} / {p95:.2f} "
                       f"| {queries} | " + " / ".join(f"{changes[k][0]:.2f} ({changes[k][1]:.2f})"
                                                     for k in ("publish", "edit", "delete")) + " |")
            loads.append(os.getloadavg()[0])
            print(out[-1], file=sys.stderr, flush=True)
            from site_core.db import db

            with app.app_context():
                db.engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out += ["", f"Peak memory of the whole run: {peak:.0f} MB. Machine: {os.cpu_count()} cores; "
                f"1-minute load average during the run {min(loads):.1f}–{max(loads):.1f}."]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--postgres", help="also on this PostgreSQL URL (a scratch schema is used)")
    parser.add_argument("--no-long", action="store_true", help="skip the 700-word-article run")
    args = parser.parse_args()
    print("\n".join(timings([int(s) for s in args.sizes.split(",")], args.postgres, not args.no_long)))


if __name__ == "__main__":
    main()
