"""The search page's latency beside an article page's, in one run, on SQLite and PostgreSQL.

Builds a fresh site (core only: no widgets, so both pages cost only what
the core does) with 10,000 articles from ``related_make_corpus.py``, then
times, interleaved so machine noise hits both alike, N search pages and N
article pages (a different article each time, as readers spread over the
archive). Every search is a query not searched before (nothing cached helps
it): 30 that readers of the portal type, then words taken from the articles
as readers would type them: one to three words of a title, a phrase of the
text, a rare word; a third typed without diacritics, every fifth on page 2.
Reports p50/p95 of each and the ratio of the p95s (target ≤ 3).

    .venv/bin/python bench/search_cost.py                       # both databases, 10,000 articles
    .venv/bin/python bench/search_cost.py --databases sqlite --articles 2000 --views 300
"""
from __future__ import annotations

import argparse
import collections
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
QUERIES = [  # what readers of a provincial school's portal type, as they type it
    "đại hội chi bộ", "dai hoi chi bo", "Hồ Chí Minh", "ho chi minh", "hội nghị", "hoi nghi tong ket",
    "khai giảng", "khai giang trung cap", "bế giảng", "nghiên cứu khoa học", "nghien cuu khoa hoc",
    "Thanh Hoá", "thanh hoa", "thuỷ", "hòa", "hoà", "di chúc", "học tập và làm theo", "giảng viên dạy giỏi",
    "Nga Sơn", "bồi dưỡng", "boi duong chuyen vien", "2022", "Lê Văn Hùng", "đảng viên", "công đoàn",
    "chuyển đổi số", "phòng chống dịch", "xây dựng Đảng", "tổng kết năm học",
]


def build(url: str, corpus: Path):
    """A site holding the corpus: articles inserted in bulk, then indexed in one pass
    (``search_index.index_many``, what the migration does; ``save_article`` indexes one)."""
    import datetime as dt
    import json

    import sqlalchemy as sa

    from site_core import create_app, search_index
    from site_core.articles import Article, Category
    from site_core.cli import init_db
    from site_core.content import plain_text
    from site_core.db import db

    folder = tempfile.mkdtemp(prefix="search-cost-")
    os.environ["SITE_INSTANCE_PATH"] = folder
    app = create_app({"SECRET_KEY": "b" * 40, "SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{folder}/site.db",
                      "PLUGINS": {"enabled": []}})
    started = time.perf_counter()
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    with app.app_context():
        init_db()
        names = sorted({r["category"] for r in records})
        db.session.execute(sa.insert(Category), [{"name": n, "slug": f"muc-{i}"} for i, n in enumerate(names)])
        category = dict(db.session.execute(sa.select(Category.name, Category.id)).all())
        now = dt.datetime.now(dt.timezone.utc)
        db.session.execute(sa.insert(Article), [{
            "slug": r["slug"], "title": r["title"], "summary": plain_text(r["body"])[:300], "body_html": r["body"],
            "author": "", "author_title": "", "status": "published", "category_id": category[r["category"]],
            "published_at": dt.datetime.fromisoformat(r["published_at"]), "updated_at": now} for r in records])
        rows = db.session.execute(sa.select(Article.id, Article.title, Article.summary, Article.body_html)).all()
        search_index.index_many(db.session.connection(), rows)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load (VACUUM also
            # moves the GIN indexes' pending entries into the index, whose costs the planner then sees)
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"}).exec_driver_sql("VACUUM ANALYZE")
            db.session.commit()
    print(f"  loaded {len(records)} articles in {time.perf_counter() - started:.0f} s", flush=True)
    return app


def article_urls(app) -> list[str]:
    import sqlalchemy as sa

    from site_core.articles import Article
    from site_core.db import db

    with app.app_context():
        return [f"/bai-viet/{slug}" for slug in db.session.scalars(sa.select(Article.slug))]


def timed(client, url: str) -> tuple[float, str]:
    """Milliseconds to get ``url``, and the page."""
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, response.get_data(as_text=True)


def queries(corpus: Path, count: int, rng: random.Random) -> list[str]:
    """``count`` different queries: :data:`QUERIES`, then words of the corpus as readers type them."""
    import json
    import re

    from site_core.content import fold, plain_text

    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    words = [re.findall(r"[^\W\d_]+", plain_text(r["body"])) for r in records]
    frequency = collections.Counter(fold(w) for text in words for w in set(text))
    rare = [word for word, _ in sorted(frequency.items(), key=lambda item: item[1])[:40]]  # the least used

    def pick() -> str:
        kind = rng.random()
        if kind < 0.5:  # one to three words of a title
            title = re.findall(r"[^\W_]+", rng.choice(records)["title"])
            size = rng.randint(1, min(3, len(title)))
            start = rng.randrange(len(title) - size + 1)
            query = " ".join(title[start:start + size])
        elif kind < 0.8:  # a phrase of the text
            text = rng.choice(words)
            start = rng.randrange(max(1, len(text) - 4))
            query = " ".join(text[start:start + rng.randint(2, 4)])
        elif kind < 0.9:
            query = rng.choice(rare)
        else:  # mistyped: two letters swapped (mostly found nowhere)
            word = list(rng.choice(rng.choice(words)))
            at = rng.randrange(max(1, len(word) - 1))
            word[at:at + 2] = word[at:at + 2][::-1]
            query = "".join(word)
        return fold(query) if rng.random() < 1 / 3 else query.lower() if rng.random() < 0.5 else query

    found = dict.fromkeys(QUERIES)
    while len(found) < count:
        found[pick()] = None
    return list(found)[:count]


def measure(app, views: int, searches: list[str], rng: random.Random) -> dict[str, list[float]]:
    client = app.test_client()
    articles = article_urls(app)
    urls = [f"/tim-kiem?{urlencode({'q': q, **({'page': 2} if n % 5 == 4 else {})})}" for n, q in enumerate(searches)]
    warm, measured = urls[views:], urls[:views]
    for url in warm + rng.sample(articles, 50):  # warm up (other queries)
        client.get(url)
    times = {"article": [], "search": []}
    found = []
    for url in measured:
        times["article"].append(timed(client, rng.choice(articles))[0])
        elapsed, page = timed(client, url)
        times["search"].append(elapsed)
        found.append(page.count('class="card-title"'))
    print(f"  results per search page: {found.count(0)} of {len(found)} empty, "
          f"median {statistics.median(found)}", flush=True)
    return times


def p(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100)[percent - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--views", type=int, default=1000, help="of each page kind")
    parser.add_argument("--postgresql", default=PG, help="a server to make a scratch schema on")
    args = parser.parse_args()
    corpus = Path(tempfile.mkdtemp(prefix="search-corpus-")) / "corpus.jsonl"
    subprocess.run([sys.executable, str(HERE / "related_make_corpus.py"), "-n", str(args.articles),
                    "-o", str(corpus)], check=True, stdout=subprocess.DEVNULL)
    from site_core.testing import scratch_schema

    searches = queries(corpus, args.views + 50, random.Random(20261203))  # 50 to warm up

    rows = []
    for database in args.databases.split(","):
        print(f"{database}: {args.articles} articles", flush=True)
        with ExitStack() as stack:
            url = stack.enter_context(scratch_schema(args.postgresql)) if database == "postgresql" else None
            app = build(url, corpus)
            times = measure(app, args.views, searches, random.Random(20200302))
            with app.app_context():
                from site_core.db import db
                db.engine.dispose()
        article, search = times["article"], times["search"]
        rows.append((database, p(article, 50), p(article, 95), p(search, 50), p(search, 95)))
    print(f"\n{'database':12s} {'article p50':>12s} {'p95':>8s} {'search p50':>12s} {'p95':>8s} {'p95 ratio':>10s}")
    for database, a50, a95, s50, s95 in rows:
        print(f"{database:12s} {a50:9.2f} ms {a95:5.2f} ms {s50:9.2f} ms {s95:5.2f} ms {s95 / a95:9.2f}x")


if __name__ == "__main__":
    main()
