"""Quality of "Tin liên quan" on real news, as a reader sees it, beside three baselines.

Takes a labelled set of real articles (JSON Lines, gzipped or not: ``title``,
``body`` with paragraphs separated by newlines, ``topic``) and prints, in one
run:

1. **the widget, through the app**: a fresh SQLite site with only related
   news enabled; ``flask import-articles`` of titles and bodies only (never
   the topic as a category or tag), ``flask related rebuild``, ``flask related
   status``, then every article's page is read and the first five distinct
   articles the widget links to are its list (the "Tin mới" fallback
   included; an empty slot is a miss). A hit is a linked article of the same
   topic. Done with the plugin's default settings, and with ``--settings``
   if given;
2. **baselines on the same articles**: plain TF-IDF (syllable unigrams and
   bigrams, sublinear tf, min_df 2, max_df 0.5, title counted twice,
   cosine), LSA with 100 dimensions on top of it, and a YARPP-like score
   (``related_baselines.py``);
3. **cross-validation of the ranking's settings** (the plugin's own
   indexing and scoring code, no database): the articles are split into
   five folds; for each fold the settings with the best precision on the
   other four folds are chosen from a small grid and scored on the held-out
   fold. The held-out figure is the honest one; the grid's best on all
   articles is printed too, to show how much tuning flatters.

Usage (the data file is read where it is, never copied into the repository)::

    .venv/bin/python bench/related_eval.py ../shared/data/vntc-dev.jsonl.gz
    .venv/bin/python bench/related_eval.py DATA --no-cv           # the app and the baselines only

Needs scikit-learn (``bench/requirements.txt``) for the baselines.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gzip
import html
import itertools
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

K = 5
FOLDS = 5
WIDGET = re.compile(r'<section[^>]*data-widget="related_news".*?</section>', re.S)
LINK = re.compile(r'href="/bai-viet/([^"]+)"')
START = dt.datetime(2006, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=7)))
GRID = {  # the settings cross-validation chooses from (small: every point is a full ranking)
    "title_weight": [2.0],
    "unaccented_weight": [0.0, 0.3],
    "max_terms": [1000],
    "threshold": [0.0, 0.2],
    "min_score": [0.02],
    "profile_size": [50, 75, 100, 200],
    "profile_weight": [0.0, 8.0],
    "profile_self": [0.0, 0.25, 0.5, 1.0],
}


def read_articles(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def body_html(body: str) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n") if p.strip())


def precision(lists: list[list[int]], topics: list[str]) -> np.ndarray:
    """Per article: the share of its first five listed articles with its topic (empty slots miss)."""
    return np.array([sum(topics[j] == topics[i] for j in listed[:K]) / K for i, listed in enumerate(lists)])


# --- the widget, through the app -------------------------------------------------------------

def through_the_app(articles: list[dict], settings: dict | None = None) -> tuple[list[list[int]], list[str]]:
    """Every article's first five linked articles (indices) as its page shows them, and the
    output of ``flask related rebuild`` and ``flask related status``."""
    from site_core import create_app

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SITE_INSTANCE_PATH"] = tmp
        app = create_app({"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/site.db",
                          "PLUGINS": {"enabled": ["related_news"],
                                      "related_news": {"cache_seconds": 0, **(settings or {})}}})
        source = Path(tmp) / "articles.jsonl"
        with open(source, "w", encoding="utf-8") as handle:
            for i, article in enumerate(articles):  # titles and bodies only; the slug finds them again
                handle.write(json.dumps({"title": article["title"], "body": body_html(article["body"]),
                                         "slug": f"bai-{i}", "published_at": _date(i)}, ensure_ascii=False))
                handle.write("\n")
        runner = app.test_cli_runner()
        output = []
        for args in (["import-articles", str(source)], ["related", "rebuild", "--quiet"], ["related", "status"]):
            result = runner.invoke(args=args)
            if result.exit_code:
                raise SystemExit(f"flask {' '.join(args)} failed: {result.output}")
            output.append(result.output.strip())
        client = app.test_client()
        lists = []
        for i in range(len(articles)):
            page = client.get(f"/bai-viet/bai-{i}").get_data(as_text=True)
            widget = WIDGET.search(page)
            slugs = LINK.findall(widget.group(0)) if widget else []
            listed = [int(s.split("-")[1]) for s in dict.fromkeys(slugs)]
            lists.append([j for j in listed if j != i][:K])
        return lists, output


def _date(i: int) -> str:
    """Import order as publication order, a minute apart (the set has no dates)."""
    return (START + dt.timedelta(minutes=i)).isoformat()


# --- baselines ------------------------------------------------------------------------------

def baselines(articles: list[dict]) -> dict[str, list[list[int]]]:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    from related_baselines import yarpp_like

    texts = [(a["title"] + " ") * 2 + a["body"] for a in articles]
    tfidf = TfidfVectorizer(token_pattern=r"(?u)\b\w+\b", ngram_range=(1, 2), sublinear_tf=True,
                            min_df=2, max_df=0.5).fit_transform(texts)
    lsa = normalize(TruncatedSVD(100, random_state=0).fit_transform(tfidf))
    found = {"plain TF-IDF (syllable uni+bigrams, sublinear, min_df 2, max_df 0.5, title x2)":
             _top((tfidf @ tfidf.T).toarray()),
             "LSA-100 on that TF-IDF": _top(lsa @ lsa.T)}
    categories = [None] * len(articles)  # titles and bodies only, as imported
    yarpp = yarpp_like([a["title"] for a in articles], [a["body"] for a in articles],
                       [set() for _ in articles], categories, K)
    found["YARPP-like (title + body keywords, threshold 4)"] = [listed for listed, _ in yarpp]
    return found


def _top(scores: np.ndarray) -> list[list[int]]:
    np.fill_diagonal(scores, -np.inf)
    top = np.argpartition(-scores, K, axis=1)[:, :K]
    order = np.take_along_axis(scores, top, axis=1).argsort(axis=1)[:, ::-1]
    return np.take_along_axis(top, order, axis=1).tolist()


# --- cross-validation of the settings -------------------------------------------------------

def grid_precision(articles: list[dict], topics: list[str]) -> dict[tuple, np.ndarray]:
    """Per-article precision@5 for every combination of GRID, with the plugin's own code."""
    rows = list(range(len(articles)))
    found = {}
    for (title_weight, unaccented_weight, max_terms), corpus, scores in score_matrices(articles, GRID):
        params = corpus.params
        np.fill_diagonal(scores, -np.inf)
        for min_score, profile_size in itertools.product(GRID["min_score"], GRID["profile_size"]):
            corpus.params = dataclasses.replace(params, min_score=min_score, profile_size=profile_size)
            for row in rows:
                corpus.set_profile(row, *corpus.profile_of(scores[row]))
            for threshold, weight, itself in itertools.product(GRID["threshold"], GRID["profile_weight"],
                                                               GRID["profile_self"]):
                if not weight and itself != GRID["profile_self"][0]:
                    continue  # first-order only: the profiles play no part
                corpus.params = dataclasses.replace(corpus.params, threshold=threshold, profile_weight=weight,
                                                    profile_self=itself)
                lists = [[other for other, _, _ in entries] for _, entries in corpus.lists(rows, K)]
                key = (title_weight, unaccented_weight, max_terms, threshold, min_score, profile_size, weight,
                       itself)
                found[key] = precision(lists, topics)
    return found


def score_matrices(articles: list[dict], grid: dict):
    """((title_weight, unaccented_weight, max_terms), corpus, every pair's score) for each
    combination of those three in ``grid``, with the plugin's own indexing and scoring code."""
    from site_core.content import plain_text
    from site_related_news.scoring import Corpus, Params, analyse, make_doc, vector
    from site_related_news.text import Analyzer

    analyzer = Analyzer()
    texts = [plain_text(body_html(a["body"])) for a in articles]
    for title_weight in grid["title_weight"]:
        base = Params(title_weight=title_weight)
        analysed = [analyse(analyzer, a["title"], text, base) for a, text in zip(articles, texts)]
        vocabulary, ids = np.unique(np.concatenate([t.codes for t in analysed]), return_inverse=True)
        ids = np.split(ids.ravel().astype(np.int32), np.cumsum([len(t.codes) for t in analysed])[:-1])
        df = np.bincount(np.concatenate(ids), minlength=len(vocabulary))
        for unaccented_weight, max_terms in itertools.product(grid["unaccented_weight"], grid["max_terms"]):
            params = dataclasses.replace(base, unaccented_weight=unaccented_weight, max_terms=max_terms)
            docs = []
            for i, (terms, term_ids) in enumerate(zip(analysed, ids)):
                kept, weights = vector(terms, df[term_ids], len(articles), params)
                docs.append(make_doc(i, None, float(i), np.empty(0, np.int64), term_ids[kept], weights))
            corpus = Corpus(docs, params)
            yield (title_weight, unaccented_weight, max_terms), corpus, corpus.scores(list(range(len(docs))))


def cross_validate(per_setting: dict[tuple, np.ndarray], n: int, seed: int = 0):
    """Held-out precision@5 (mean over all articles, each scored in its held-out fold) and the
    settings chosen for each fold."""
    held_out, chosen = cross_validate_pooled({"": per_setting}, seed)
    return held_out[""], chosen


def cross_validate_pooled(samples: dict[str, dict[tuple, np.ndarray]], seed: int = 0):
    """Cross-validation over several samples at once (the same set at several topic sizes): each
    sample is cut into folds; for fold f the setting with the best mean precision over the other
    folds of every sample is chosen and scored on fold f of each. Returns the held-out precision
    of each sample and the settings chosen per fold."""
    rng = np.random.default_rng(seed)
    folds = {name: rng.permutation(len(next(iter(found.values())))) % FOLDS for name, found in samples.items()}
    held_out = {name: np.empty(len(fold)) for name, fold in folds.items()}
    settings = list(next(iter(samples.values())))
    chosen = []
    for f in range(FOLDS):
        best = max(settings, key=lambda key: np.mean([found[key][folds[name] != f].mean()
                                                      for name, found in samples.items()]))
        chosen.append(best)
        for name, found in samples.items():
            held_out[name][folds[name] == f] = found[best][folds[name] == f]
    return {name: values.mean() for name, values in held_out.items()}, chosen


def sample(articles: list[dict], per_topic: int) -> list[dict]:
    """A random sample of ``per_topic`` articles of each topic (all of them for 0)."""
    if not per_topic:
        return articles
    rng = np.random.default_rng(0)
    by_topic: dict[str, list[dict]] = {}
    for article in articles:
        by_topic.setdefault(article["topic"], []).append(article)
    return [group[i] for group in by_topic.values() for i in rng.permutation(len(group))[:per_topic]]


# --- the report ------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="labelled JSON Lines (.jsonl or .jsonl.gz)")
    parser.add_argument("--settings", type=json.loads, help='JSON of [PLUGINS.related_news] settings to try too')
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation (the slow part)")
    parser.add_argument("--cv-only", action="store_true", help="only the cross-validation")
    parser.add_argument("--per-topic", type=int, nargs="+", default=[30, 60, 0],
                        help="topic sizes the cross-validation samples (0: all articles)")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"skipped: {args.data} not found (the labelled real set is not part of the repository)")
        return
    articles = read_articles(args.data)
    topics = [a["topic"] for a in articles]
    print(f"{args.data.name}: {len(articles)} articles, {len(set(topics))} topics "
          f"({', '.join(f'{t} {n}' for t, n in Counter(topics).most_common())})\n")
    if not args.cv_only:
        compare(articles, topics, args.settings)
    if not args.no_cv:
        tune(articles, args.per_topic)


def compare(articles: list[dict], topics: list[str], settings: dict | None) -> None:
    print("| ranking | precision@5 | time |\n|---|---|---|")
    runs = [("widget, default settings, through the app", None)]
    if settings:
        runs.append((f"widget, {json.dumps(settings)}", settings))
    for name, settings in runs:
        started = time.perf_counter()
        lists, output = through_the_app(articles, settings)
        print(f"| **{name}** | **{precision(lists, topics).mean():.3f}** | {time.perf_counter() - started:.0f} s |")
        for line in "\n".join(output).splitlines():
            print(f"|   `{line.strip()}` | | |")
    started = time.perf_counter()
    for name, lists in baselines(articles).items():
        print(f"| {name} | {precision(lists, topics).mean():.3f} | |")
    print(f"\n(baselines: {time.perf_counter() - started:.0f} s)")


def tune(articles: list[dict], per_topic: list[int]) -> None:
    """Cross-validation of GRID over the set at several topic sizes at once (a default must
    serve archives whose topics are small as well as large)."""
    from site_related_news.scoring import Params

    started = time.perf_counter()
    samples = {}
    for size in per_topic:
        chosen = sample(articles, size)
        samples[f"{size or 'all'} per topic ({len(chosen)} articles)"] = grid_precision(
            chosen, [a["topic"] for a in chosen])
    held_out, chosen = cross_validate_pooled(samples)
    print(f"\nCross-validation ({FOLDS} folds of each sample, chosen on all samples' training folds; "
          f"{len(next(iter(samples.values())))} settings: {', '.join(GRID)}; {time.perf_counter() - started:.0f} s)")
    print("- chosen per fold: " + "; ".join(str(c) for c in chosen))
    print("\n| sample | held-out precision@5 | first-order only (profile_weight 0), best | "
          "best setting on this sample alone (tuned, optimistic) |\n|---|---|---|---|")
    for name, found in samples.items():
        first = max((key for key in found if key[-2] == 0), key=lambda key: found[key].mean())
        best = max(found, key=lambda key: found[key].mean())
        print(f"| {name} | **{held_out[name]:.3f}** | {found[first].mean():.3f} | "
              f"{found[best].mean():.3f} {best} |")
    for name, found in samples.items():
        alone, chosen = cross_validate(found, len(next(iter(found.values()))))
        print(f"\n{name}, cross-validated on its own: held-out {alone:.3f}, chosen {chosen[0]}"
              f"{'' if len(set(chosen)) == 1 else ' (folds differ: ' + '; '.join(map(str, chosen)) + ')'}")
    defaults = Params()
    print("\nThe plugin's defaults but profile_size (and profile_weight 0: first-order only):\n")
    print("| sample | first-order | " + " | ".join(f"profile {n}" for n in GRID["profile_size"]) + " |")
    print("|---|---|" + "---|" * len(GRID["profile_size"]))
    for name, found in samples.items():
        key = lambda size, weight, itself: (defaults.title_weight, defaults.unaccented_weight,  # noqa: E731
                                            defaults.max_terms, defaults.threshold, defaults.min_score, size,
                                            weight, itself)
        cells = [found.get(key(n, defaults.profile_weight, defaults.profile_self)) for n in GRID["profile_size"]]
        first = found.get(key(defaults.profile_size, 0.0, GRID["profile_self"][0]))
        print(f"| {name} | {_cell(first)} | " + " | ".join(_cell(c) for c in cells) + " |")


def _cell(values) -> str:
    return "—" if values is None else f"{values.mean():.3f}"


if __name__ == "__main__":
    main()
