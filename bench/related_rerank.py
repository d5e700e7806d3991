"""Would re-ranking by shared neighbours beat the widget's plain cosine? An offline study.

For each article ``a`` the widget stores its best ``stored`` neighbours. This
script asks what re-ranking them with shared-neighbour evidence (a graph form
of pseudo-relevance feedback) would give, using only such stored lists::

    score'(a, b) = sim(a, b) + weight * sum over c in top-k(a) of sim(a, c) * sim(c, b)

where ``sim(c, b)`` is known only when ``b`` is in ``c``'s stored list (else
0), so it is computable from the stored lists alone. And a second-order form,
closer to what LSA does: each article's profile is its row of best ``wide``
scores (itself included, scaled to length 1), and::

    score'(a, b) = sim(a, b) + weight * cosine(profile(a), profile(b))

(articles with the same neighbours are related; the product now does a
form of it, with stored profiles: see ``related_eval.py``, which
cross-validates the product's own). Every pair's ``sim`` comes
from the plugin's own indexing and scoring code (no database, no app), and the
settings are chosen by five-fold cross-validation as in ``related_eval.py``:
the held-out precision@5 is the figure to trust.

    .venv/bin/python bench/related_rerank.py ../shared/data/vntc-dev.jsonl.gz
    .venv/bin/python bench/related_rerank.py DATA --per-topic 30   # smaller topics: a sample of each
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from related_eval import K, cross_validate, read_articles, sample, score_matrices  # noqa: E402

GRID = {
    "title_weight": [2.0],
    "unaccented_weight": [0.3],
    "max_terms": [300, 500, 1000],
    "stored": [10, 20],  # entries kept per stored list
    "k": [5, 10, 20],  # neighbours whose lists are consulted
    "weight": [0.0, 0.5, 1.0, 2.0],
    "wide": [20, 50, 100],  # the second-order form's profile length
    "profile_weight": [2.0, 8.0],
}


def top(scores: np.ndarray, size: int) -> sp.csr_matrix:
    """Each row's ``size`` best scores (not itself) as a sparse matrix: the stored lists."""
    scores = scores.copy()
    np.fill_diagonal(scores, -np.inf)
    best = np.argpartition(-scores, size, axis=1)[:, :size]
    n = len(scores)
    return sp.csr_matrix((np.take_along_axis(scores, best, 1).ravel(), best.ravel(),
                          np.arange(0, n * size + 1, size)), shape=scores.shape)


def precision_at_k(scores: np.ndarray, topics: np.ndarray) -> np.ndarray:
    scores = scores.copy()
    np.fill_diagonal(scores, -np.inf)
    best = np.argpartition(-scores, K, axis=1)[:, :K]
    return (topics[best] == topics[:, None]).mean(axis=1)


def reranked(scores: np.ndarray, stored: sp.csr_matrix, first: sp.csr_matrix, weight: float) -> np.ndarray:
    """Candidates are the stored list plus the stored lists of the first neighbours;
    every other article keeps -inf (the widget only ever shows candidates)."""
    evidence = (first @ stored).tocsr()
    candidates = (stored + evidence).tocoo()
    out = np.full(scores.shape, -np.inf, dtype=np.float64)
    out[candidates.row, candidates.col] = scores[candidates.row, candidates.col]
    evidence = evidence.tocoo()
    out[evidence.row, evidence.col] += weight * evidence.data
    return out


def second_order(scores: np.ndarray, wide: int, weight: float) -> np.ndarray:
    profiles = top(scores, wide)
    profiles.data = np.maximum(profiles.data, 0)
    profiles = sp.csr_matrix(profiles + sp.identity(len(scores)))
    norms = np.sqrt(profiles.multiply(profiles).sum(axis=1)).A.ravel()
    profiles = sp.diags(1 / norms) @ profiles
    return scores + weight * (profiles @ profiles.T).toarray()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="labelled JSON Lines (.jsonl or .jsonl.gz)")
    parser.add_argument("--per-topic", type=int, help="keep a random sample of this many articles per topic")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"skipped: {args.data} not found (the labelled real set is not part of the repository)")
        return
    started = time.perf_counter()
    articles = read_articles(args.data)
    if args.per_topic:
        articles = sample(articles, args.per_topic)
        print(f"{len(articles)} articles, at most {args.per_topic} per topic")
    topics = np.array([a["topic"] for a in articles])
    found = {}
    for (_, unaccented_weight, max_terms), _, scores in score_matrices(articles, GRID):
        print(f"max_terms {max_terms}, unaccented_weight {unaccented_weight}: "
              f"plain cosine {precision_at_k(scores, topics).mean():.3f}")
        for stored_size in GRID["stored"]:
            stored = top(scores, stored_size)
            for k in [k for k in GRID["k"] if k <= stored_size]:
                first = top(scores, k)
                for weight in GRID["weight"]:
                    per_article = precision_at_k(reranked(scores, stored, first, weight), topics)
                    found[(unaccented_weight, max_terms, stored_size, k, weight)] = per_article
                    print(f"  stored {stored_size}, k {k}, weight {weight}: {per_article.mean():.3f}")
        for wide, weight in itertools.product(GRID["wide"], GRID["profile_weight"]):
            per_article = precision_at_k(second_order(scores, wide, weight), topics)
            found[(unaccented_weight, max_terms, "second order", wide, weight)] = per_article
            print(f"  second order, wide {wide}, weight {weight}: {per_article.mean():.3f}")
    stored_only = {key: value for key, value in found.items() if key[2] != "second order"}
    print(f"\nFrom the stored lists only: held-out precision@5 {cross_validate(stored_only, len(articles))[0]:.3f}")
    held_out, chosen = cross_validate(found, len(articles))
    best = max(found, key=lambda key: found[key].mean())
    print(f"\nCross-validation (5 folds, {len(found)} settings: unaccented_weight, max_terms, "
          f"stored lists or second order, k or wide, weight; {time.perf_counter() - started:.0f} s)")
    print(f"- held-out precision@5: **{held_out:.3f}**")
    print("- chosen per fold: " + "; ".join(str(c) for c in chosen))
    print(f"- best on all articles (tuned, optimistic): {found[best].mean():.3f} with {best}")


if __name__ == "__main__":
    main()
