"""From articles to vectors: analysing many articles at once, on every core.

A rebuild analyses every article, and that is most of its time; each
article's terms depend on its own text only. So a large batch is cut into
one contiguous part per core: this process analyses the first part while
forked copies of it analyse the rest, each with its own :class:`Analyzer`.
Only a process with a single thread forks (``flask import-articles``,
``flask related rebuild``): a fork copies no other thread, so a lock another
thread held would stay held in the copy. Elsewhere (a web worker with
threads) the batch is analysed here alone.
The parts' syllable ids are then renumbered into one table ordered by
spelling, so the result is the same however the batch was cut (and on a
machine with one core).
"""
from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from site_core.reading import plain_text

from .scoring import Doc, Params, Terms, analyse, cores, make_doc, tag_hashes, vector
from .text import Analyzer, renumber, spell

log = logging.getLogger(__name__)

PARALLEL_FROM = 1000  # fewer articles: one process (starting another costs about half a second of CPU)

Texts = Sequence[tuple[str, str]]  # (title, text)


@dataclass
class ArticleText:
    """What the ranking reads of an article: its text (plain, or HTML: see :func:`index_all`), tags,
    category, date."""

    id: int
    title: str
    text: str
    category_id: object
    published_at: float  # POSIX seconds
    tags: Sequence[str] = ()
    excluded: bool = False


def index_all(articles: Iterable[ArticleText], params: Params, html: bool = False,
              on_article: Callable[[], None] | None = None) -> tuple[list[Doc], list[str], np.ndarray]:
    """Every article's vector with exact document frequencies: the full rebuild's maths
    (the texts plain, or HTML with ``html``; analysed on every core when there are many).

    Returns the docs, the vocabulary (term id -> term) and each id's document frequency.
    """
    articles = list(articles)
    vocabulary, analysed = analyse_many([(a.title, a.text) for a in articles], params, html, on_article)
    df = np.bincount(np.concatenate([ids for ids, _ in analysed] or [np.empty(0, np.int32)]),
                     minlength=len(vocabulary))
    docs = []
    analyzer = Analyzer()  # for the tags
    for article, (term_ids, terms) in zip(articles, analysed):
        kept, weights = vector(terms, df[term_ids], len(articles), params)
        docs.append(make_doc(article.id, article.category_id, article.published_at,
                             tag_hashes(analyzer, article.tags), term_ids[kept], weights, article.excluded))
    return docs, vocabulary, df


@dataclass
class Part:
    """A part of a batch, analysed: its syllable spellings, its terms (codes), and each
    article's terms as positions in them."""

    spellings: list[str]
    codes: np.ndarray
    articles: list[tuple[np.ndarray, Terms]]  # (positions in ``codes``, the terms)


def analyse_many(texts: Texts, params: Params, html: bool = False,
                 on_article: Callable[[], None] | None = None) -> tuple[list[str], list[tuple[np.ndarray, Terms]]]:
    """Every (title, text)'s terms (the text plain, or HTML with ``html``): the vocabulary
    (term id -> term, in the order of the terms' codes) and each article's (term ids, terms),
    sorted by id."""
    alone = len(texts) < PARALLEL_FROM or threading.active_count() > 1
    bounds = _parts(len(texts), 1 if alone else cores())
    parts = [texts[start:end] for start, end in bounds]
    if len(parts) == 1:
        return _merged([_analyse_part(parts[0], params, html, on_article)])
    try:
        with ProcessPoolExecutor(len(parts) - 1, mp_context=multiprocessing.get_context("fork")) as pool:
            others = [pool.submit(_analyse_part, part, params, html) for part in parts[1:]]
            results = [_analyse_part(parts[0], params, html, on_article)]
            for future, part in zip(others, parts[1:]):
                results.append(future.result())
                if on_article:
                    for _ in part:
                        on_article()
    except (OSError, RuntimeError) as error:  # no processes to be had here (BrokenProcessPool is a RuntimeError)
        log.warning("related news: analysing in one process (%s)", error)
        return _merged([_analyse_part(texts, params, html, on_article)])
    return _merged(results)


def _parts(count: int, parts: int) -> list[tuple[int, int]]:
    cuts = [count * i // parts for i in range(parts + 1)]
    return list(zip(cuts, cuts[1:])) or [(0, 0)]


def _analyse_part(texts: Texts, params: Params, html: bool,
                  on_article: Callable[[], None] | None = None) -> Part:
    analyzer = Analyzer()
    analysed = []
    for title, text in texts:
        analysed.append(analyse(analyzer, title, plain_text(text) if html else text, params))
        if on_article:
            on_article()
    every = np.concatenate([t.codes for t in analysed] or [np.empty(0, np.int64)])
    codes = _distinct(every)
    positions = np.split(np.searchsorted(codes, every).astype(np.int32),
                         np.cumsum([len(t.codes) for t in analysed])[:-1])
    return Part(analyzer.spellings, codes, list(zip(positions, analysed)))


def _merged(parts: list[Part]) -> tuple[list[str], list[tuple[np.ndarray, Terms]]]:
    """One vocabulary for the parts: their syllables renumbered in the order of their spellings,
    the terms in the order of their codes then."""
    spellings = sorted(set().union(*(part.spellings for part in parts)))
    number = {spelling: i for i, spelling in enumerate(spellings)}
    codes = [renumber(part.codes, np.array([number[s] for s in part.spellings], dtype=np.int64))
             for part in parts]
    vocabulary = _distinct(np.concatenate(codes))
    analysed = []
    for part, part_codes in zip(parts, codes):
        term_id = np.searchsorted(vocabulary, part_codes).astype(np.int32)  # position in the part -> term id
        for positions, terms in part.articles:
            ids = term_id[positions]
            order = np.argsort(ids)
            analysed.append((ids[order], Terms(vocabulary[ids[order]], terms.counts[order], terms.twins[order])))
    return [spell(c, spellings) for c in vocabulary.tolist()], analysed


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct ``values``, sorted (numpy's ``unique`` hashes them: many times slower here)."""
    ordered = np.sort(values)
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(ordered) else ordered
