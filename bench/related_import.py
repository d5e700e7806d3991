"""What related news adds to ``flask import-articles``, and what a rebuild costs, on real text.

One run, on fresh SQLite sites of 10,000 real articles (the labelled set
repeated, each copy's titles changed, so every article is new):

1. ``flask import-articles`` with every installed plugin enabled, and the
   same import with related news disabled: wall and CPU seconds (CPU of every
   thread and of the processes the analysis forks), seconds per
   1,000 articles, and the ratio;
2. whether the lists after the import are exactly those a full computation
   gives (the import tells the plugin once, at the end);
3. a few more articles published one at a time (each a sync: profiles and
   lists it touches recomputed), CPU seconds each, then whether every stored
   list is, in order, what a full computation from the stored vectors gives;
4. ``flask related rebuild`` of those articles in a process of its own:
   wall seconds and the process's peak memory (beside the peak of a process
   that only starts the app, for comparison).

Usage::

    .venv/bin/python bench/related_import.py ../shared/data/vntc-dev.jsonl.gz [--count 10000]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from related_eval import _date, body_html, read_articles  # noqa: E402

ALL = ["visit_counter", "survey_poll", "related_news", "lien_ket_website"]
CHILD = """
import os, sys, time
from site_core import create_app
app = create_app({"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "PLUGINS": {"enabled": ["related_news"]}})
started = time.perf_counter()
if sys.argv[2] == "rebuild":
    result = app.test_cli_runner().invoke(args=["related", "rebuild", "--quiet"])
    assert result.exit_code == 0, result.output
# VmHWM: this process's own peak (ru_maxrss would keep the forking parent's across exec)
peak = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(time.perf_counter() - started, peak)
"""


def write_source(articles: list[dict], count: int, path: Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(count):
            article, copy = articles[i % len(articles)], i // len(articles)
            title = article["title"] if copy == 0 else f"{article['title']} (kỳ {copy + 1})"
            handle.write(json.dumps({"title": title, "body": body_html(article["body"]), "slug": f"bai-{i}",
                                     "published_at": _date(i)}, ensure_ascii=False) + "\n")


def site(tmp: Path, name: str, enabled: list[str]):
    from site_core import create_app

    os.environ["SITE_INSTANCE_PATH"] = str(tmp)
    url = f"sqlite:///{tmp}/{name}.db"
    return url, create_app({"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": url,
                            "PLUGINS": {"enabled": enabled, "related_news": {"cache_seconds": 0}}})


def cpu_seconds() -> float:
    """CPU seconds of this process (every thread) and of its finished children (the rebuild's
    analysis runs in forked copies)."""
    return sum(r.ru_utime + r.ru_stime for r in map(resource.getrusage, (resource.RUSAGE_SELF,
                                                                           resource.RUSAGE_CHILDREN)))


def timed_import(app, source: Path) -> tuple[float, float, str]:
    started, cpu = time.perf_counter(), cpu_seconds()
    result = app.test_cli_runner().invoke(args=["import-articles", str(source)])
    if result.exit_code:
        raise SystemExit(result.output)
    return time.perf_counter() - started, cpu_seconds() - cpu, result.output.strip()


def lists_are_exact(app) -> tuple[int, int]:
    """(lists equal to a full computation's, lists) — membership and fallback marks."""
    import sqlalchemy as sa

    from site_core import plugins
    from site_core.db import db
    from site_related_news.index import Config, compute
    from site_related_news.models import Neighbour

    with app.app_context():
        config = Config.from_settings(plugins.get(app).installed["related_news"].settings)
        expected, stored = {}, {}
        for row in compute(config).neighbours:
            expected.setdefault(row["article_id"], set()).add((row["neighbour_id"], row["fallback"]))
        for article_id, neighbour, fallback in db.session.execute(
                sa.select(Neighbour.article_id, Neighbour.neighbour_id, Neighbour.fallback)):
            stored.setdefault(article_id, set()).add((neighbour, fallback))
    return sum(stored.get(a) == lists for a, lists in expected.items()), len(expected)


def single_publishes(app, articles: list[dict], count: int) -> tuple[list[float], bool]:
    """Publish ``count`` more articles one by one through the core (each synced on its own):
    CPU seconds of each, and whether the stored lists then equal a full computation's from the
    stored vectors, in order."""
    from site_core import plugins
    from site_core.articles import ArticleInput, notify_change, save_article
    from site_core.db import db
    from site_related_news.index import Config, lists_from_stored_vectors, stored_lists

    seconds = []
    with app.app_context():
        for i, article in enumerate(articles[:count]):
            saved, change = save_article(ArticleInput(title=f"{article['title']} (bài mới {i})",
                                                      body=body_html(article["body"])))
            db.session.commit()
            started = time.process_time()
            notify_change(saved, change)
            seconds.append(time.process_time() - started)
        config = Config.from_settings(plugins.get(app).installed["related_news"].settings)
        return seconds, stored_lists() == lists_from_stored_vectors(config)


def child(url: str, what: str) -> tuple[float, float]:
    """(seconds, peak resident MB) of a fresh process doing ``what``."""
    out = subprocess.run([sys.executable, "-c", CHILD, url, what], capture_output=True, text=True, check=True)
    seconds, kilobytes = out.stdout.split()
    return float(seconds), int(kilobytes) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--publishes", type=int, default=5, help="single publishes after the import")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"skipped: {args.data} not found (the real set is not part of the repository)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        source = tmp / "articles.jsonl"
        articles = read_articles(args.data)
        write_source(articles, args.count, source)
        print(f"{args.count} articles, {source.stat().st_size / 1e6:.0f} MB of JSON Lines; "
              f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores\n")
        print("| import | wall s | CPU s | wall s per 1,000 | output |\n|---|---|---|---|---|")
        walls, cpus = {}, {}
        for name, enabled in (("related news off", [p for p in ALL if p != "related_news"]),
                              ("every plugin on", ALL)):
            url, app = site(tmp, name.replace(" ", "_"), enabled)
            wall, cpu, output = timed_import(app, source)
            walls[name], cpus[name] = wall, cpu
            print(f"| {name} | {wall:.1f} | {cpu:.1f} | {wall / args.count * 1000:.2f} | {output} |")
        print(f"\nratio (every plugin on / related news off): **{walls['every plugin on'] / walls['related news off']:.2f}"
              f" wall**, {cpus['every plugin on'] / cpus['related news off']:.2f} CPU")
        exact, lists = lists_are_exact(app)
        print(f"lists after the import equal to a full computation: {exact} of {lists}")
        seconds, in_order = single_publishes(app, articles, args.publishes)
        print(f"{len(seconds)} single publishes after it: CPU s each {', '.join(f'{s:.2f}' for s in seconds)}; "
              f"every list then, in order, what a full computation from the stored vectors gives: {in_order}")
        seconds, peak = child(url, "rebuild")
        _, idle = child(url, "nothing")
        print(f"`flask related rebuild` of {args.count}: {seconds:.1f} s wall, peak memory {peak:.0f} MB "
              f"(a process that only starts the app: {idle:.0f} MB); "
              f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
