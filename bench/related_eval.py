"""Quality of the "Tin liên quan" ranking, and its cost at 1,000 and 10,000 articles.

One run prints:

1. precision@5 on the labelled set (``bench/data/related_corpus.jsonl`` and
   its labels, made by ``related_make_corpus.py``): for every labelled
   article, the share of the five articles shown that have its topic (a slot
   left empty counts as a miss), for our ranking (the plugin's own code),
   a tag/category-only baseline and a YARPP-like scoring; then the same for
   articles typed without diacritics and with the other tone placement; then
   our ranking with one feature taken away at a time;
2. unless ``--no-timing``: rebuild time, page-view cost and publish/edit/
   delete cost through the real app and database (``related_timing.py``).

Usage::

    .venv/bin/python bench/related_eval.py               # SQLite timings
    .venv/bin/python bench/related_eval.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/related_eval.py --no-timing   # quality only (a few seconds)
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from related_baselines import tags_and_category, yarpp_like  # noqa: E402
from related_make_corpus import labels_path  # noqa: E402
from site_core.content import plain_text  # noqa: E402
from site_related_news.scoring import ArticleText, Corpus, Params, index_all  # noqa: E402
from site_related_news.text import Analyzer  # noqa: E402

CORPUS = HERE / "data" / "related_corpus.jsonl"
K = 5


def load(path: Path) -> tuple[list[dict], list[dict]]:
    read = lambda p: [json.loads(line) for line in open(p, encoding="utf-8")]  # noqa: E731
    articles, labels = read(path), read(labels_path(path))
    assert [a["slug"] for a in articles] == [l["slug"] for l in labels], "corpus and labels differ"
    return articles, labels


def ours(articles: list[dict], params: Params = Params(), analyzer: Analyzer | None = None):
    """Our ranking, through the plugin's own indexing and scoring code."""
    items = [ArticleText(i, a["title"], plain_text(a["body"]), a["category"],
                         dt.datetime.fromisoformat(a["published_at"]).timestamp(), a["tags"])
             for i, a in enumerate(articles)]
    docs, *_ = index_all(items, params, analyzer)
    corpus = Corpus(docs, params)
    results = [None] * len(items)
    for row, entries in corpus.lists(range(len(items)), K):
        results[row] = ([other for other, _, _ in entries], [latest for *_, latest in entries])
    return results


def score(results, labels, which=lambda label: True) -> dict:
    """precision@5 over the labelled articles ``which`` selects; empty slots are misses.

    Each result is (the articles shown, best first; for each, whether it is a
    "latest in the category" filler rather than a scored match).
    """
    hits = shown = fillers = queries = 0
    for i, (related, latest) in enumerate(results):
        label = labels[i]
        if label["topic"] == "khac" or not which(label):
            continue
        queries += 1
        related = related[:K]
        hits += sum(labels[j]["topic"] == label["topic"] for j in related)
        shown += len(related)
        fillers += sum(latest[:K])
    return {"p@5": hits / (K * queries), "shown": shown / queries, "fillers": fillers / queries, "n": queries}


def quality(path: Path) -> list[str]:
    articles, labels = load(path)
    titles = [a["title"] for a in articles]
    bodies = [plain_text(a["body"]) for a in articles]
    raw_tags = [set(a["tags"]) for a in articles]  # as the CMS stores them: by name
    categories = [a["category"] for a in articles]
    dates = [dt.datetime.fromisoformat(a["published_at"]).timestamp() for a in articles]
    runs = {}
    for name, run in [
        ("ours (plugin defaults)", lambda: ours(articles)),
        ("tags + category only", lambda: tags_and_category(raw_tags, categories, dates, K)),
        ("YARPP-like (title, body, tags, category; threshold 4)",
         lambda: yarpp_like(titles, bodies, raw_tags, categories, K)),
    ]:
        started = time.perf_counter()
        runs[name] = (run(), time.perf_counter() - started)
    subsets = [("all", lambda l: True), ("typed without diacritics", lambda l: l["typing"] == "unaccented"),
               ("other tone placement (hoà, thuỷ)", lambda l: l["typing"] == "moved_tones")]
    out = [f"Labelled set: {len(articles)} articles, "
           f"{sum(l['topic'] != 'khac' for l in labels)} with a topic (12 topics), {path.name}", ""]
    out.append("| ranking | " + " | ".join(f"P@5 {s} (n={score(runs[next(iter(runs))][0], labels, f)['n']})"
                                         for s, f in subsets) + " | shown | of which latest-in-category | time |")
    out.append("|---" * (len(subsets) + 4) + "|")
    for name, (results, seconds) in runs.items():
        cells = [f"{score(results, labels, f)['p@5']:.3f}" for _, f in subsets]
        total = score(results, labels)
        out.append(f"| {name} | " + " | ".join(cells)
                   + f" | {total['shown']:.2f} | {total['fillers']:.2f} | {seconds:.1f} s |")
    out += ["", "Ablations (our ranking, one change at a time):", "",
            "| variant | P@5 all | P@5 without diacritics | P@5 other tone placement |", "|---|---|---|---|"]
    base = Params()
    for name, params, analyzer in [
        ("plugin defaults", base, None),
        ("no tone-mark normalisation", base, Analyzer(normalise_tones=False)),
        ("no tone normalisation, no unaccented matching",
         dataclasses.replace(base, unaccented_weight=0.0), Analyzer(normalise_tones=False, unaccented_twins=False)),
        ("no unaccented matching (unaccented_weight = 0)", dataclasses.replace(base, unaccented_weight=0.0), None),
        ("unaccented_weight = 0.5", dataclasses.replace(base, unaccented_weight=0.5), None),
        ("syllables only (no syllable pairs)", base, Analyzer(bigrams=False)),
        ("no stop words", base, Analyzer(stop_words=False)),
        ("title_weight = 1 (title = body)", dataclasses.replace(base, title_weight=1.0), None),
        ("title_weight = 4", dataclasses.replace(base, title_weight=4.0), None),
        ("text only (tags_weight = category_weight = 0)",
         dataclasses.replace(base, tags_weight=0.0, category_weight=0.0), None),
        ("max_terms = 50", dataclasses.replace(base, max_terms=50), None),
        ("threshold = 0 (never the fallback)", dataclasses.replace(base, threshold=0.0), None),
        ("threshold = 0.3", dataclasses.replace(base, threshold=0.3), None),
        ("threshold = 0.3, fill_with_latest = false",
         dataclasses.replace(base, threshold=0.3, fill_with_latest=False), None),
    ]:
        results = ours(articles, params, analyzer)
        cells = [f"{score(results, labels, f)['p@5']:.3f}" for _, f in subsets]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--no-timing", action="store_true", help="quality only")
    parser.add_argument("--sizes", default="1000,10000", help="article counts for the timings")
    parser.add_argument("--postgres", help="also time on this PostgreSQL URL (a scratch schema is used)")
    parser.add_argument("--no-long", action="store_true", help="skip the 700-word-article timing")
    args = parser.parse_args()
    print("\n".join(quality(args.corpus)))
    if not args.no_timing:
        from related_timing import timings

        print()
        print("\n".join(timings([int(s) for s in args.sizes.split(",")], args.postgres, not args.no_long)))


if __name__ == "__main__":
    main()
