"""What a sitemap costs on a big site: its first build, and each request after.

Builds a fresh SQLite instance with N public articles in 20 categories
(inserted in bulk), then times, in one run and one process: the first
``/sitemap.xml`` after a content change (the build), a repeated one (from the
cache), one part of the index, and an article page, for comparison. Best of
three rounds; compare the ratios, not the milliseconds.

    .venv/bin/python bench/sitemap_cost.py                   # 60,000 articles: an index of 2 parts
    .venv/bin/python bench/sitemap_cost.py --articles 10000
    .venv/bin/python bench/sitemap_cost.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time


def build(count: int, database: str | None):
    import sqlalchemy as sa

    from site_core import create_app
    from site_core.articles import Article, Category
    from site_core.cli import init_db
    from site_core.db import db

    folder = tempfile.mkdtemp(prefix="sitemap-cost-")
    os.environ["SITE_INSTANCE_PATH"] = folder
    app = create_app({"SECRET_KEY": "b" * 40, "SQLALCHEMY_DATABASE_URI": database or f"sqlite:///{folder}/site.db",
                      "PLUGINS": {"enabled": []}})
    start = dt.datetime(2015, 1, 1, tzinfo=dt.timezone.utc)
    with app.app_context():
        init_db()
        db.session.execute(sa.insert(Category), [{"name": f"Chuyên mục {n}", "slug": f"chuyen-muc-{n}"}
                                                 for n in range(1, 21)])
        db.session.execute(sa.insert(Article), [
            {"slug": f"bai-viet-so-{n}-ve-hoat-dong-cua-nha-truong", "title": f"Bài viết số {n}",
             "summary": "Tóm tắt.", "body_html": "<p>Nội dung.</p>", "status": "published",
             "published_at": start + dt.timedelta(hours=n), "updated_at": start + dt.timedelta(hours=n),
             "category_id": n % 20 + 1, "author": "", "author_title": ""} for n in range(count)])
        db.session.commit()
    return app


def ms(action, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(repeat):
            action()
        best = min(best, (time.perf_counter() - started) / repeat * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=60_000)
    parser.add_argument("--database", help="a PostgreSQL URL (a scratch schema is made and dropped); default SQLite")
    args = parser.parse_args()
    if args.database:
        from site_core.testing import scratch_schema

        with scratch_schema(args.database) as url:
            run(args, build(args.articles, url))
    else:
        run(args, build(args.articles, None))


def run(args, app) -> None:
    from site_core.db import db

    client = app.test_client()
    caches = app.extensions

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, url
        return response

    def first_build():
        caches["site_core.sitemap_cache"]._entries.clear()  # as after a content change
        get("/sitemap.xml")

    article = "/bai-viet/bai-viet-so-7-ve-hoat-dong-cua-nha-truong"
    get(article), get("/sitemap.xml")
    results = {
        "article page": ms(lambda: get(article), 200),
        "/sitemap.xml, first build": ms(first_build),
        "/sitemap.xml, cached": ms(lambda: get("/sitemap.xml"), 20),
        "/sitemap-1.xml, cached": ms(lambda: get("/sitemap-1.xml"), 5) if args.articles > 50_000 else None,
    }
    size = len(get("/sitemap-1.xml" if args.articles > 50_000 else "/sitemap.xml").data)
    print(f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}, {args.articles} articles, "
          f"largest sitemap file {size / 1e6:.1f} MB")
    for label, value in results.items():
        if value is not None:
            print(f"{label:28} {value:9.2f} ms  ({value / results['article page']:.2f}x an article page)")
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
