"""From articles to vectors: analysing many articles at once, on every core.

A rebuild analyses every article, and that is most of its time; each
article's terms depend on its own text only. So a large batch is cut into
one contiguous part per core: this process analyses the first part while
forked copies of it analyse the rest, each with its own :class:`Analyzer`.
The parts' syllable ids are then renumbered into one table ordered by
spelling, so the result is the same however the batch was cut (and on a
machine with one core).

During an import the work starts earlier: each part of the import, as it
is committed, is handed to another process (:func:`analyse_ahead`), which
analyses it while the import goes on. The rebuild at the end of the import
takes those results for every article whose title and body are still the
ones handed over (:func:`text_key`) and analyses only the rest.

Only a process with a single thread forks (``flask import-articles``,
``flask related rebuild``): a fork copies no other thread, so a lock another
thread held would stay held in the copy. Elsewhere (a web worker with
threads) the batch is analysed here alone.
"""
from __future__ import annotations

import hashlib
import logging
import multiprocessing
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from site_core.reading import plain_text

from .scoring import Doc, Params, Terms, analyse, cores, make_doc, tag_hashes, vector
from .text import Analyzer, renumber, spell

log = logging.getLogger(__name__)

PARALLEL_FROM = 1000  # fewer articles: one process (starting another costs about half a second of CPU)

Texts = Sequence[tuple[str, str]]  # (title, text)
Key = tuple[int, str]  # (article id, text_key)


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


def text_key(title: str, body_html: str) -> str:
    """A digest of what the analysis reads of an article."""
    return hashlib.blake2b("\0".join([title, body_html]).encode(), digest_size=16).hexdigest()


def index_all(articles: Iterable[ArticleText], params: Params, html: bool = False,
              on_article: Callable[[], None] | None = None) -> tuple[list[Doc], list[str], np.ndarray]:
    """Every article's vector with exact document frequencies: the full rebuild's maths
    (the texts plain, or HTML with ``html``: then what :func:`analyse_ahead` was handed is
    used where still current; analysed on every core when there are many).

    Returns the docs, the vocabulary (term id -> term) and each id's document frequency.
    """
    articles = list(articles)
    keys = [(a.id, text_key(a.title, a.text)) for a in articles] if html and _ahead is not None else None
    vocabulary, analysed = analyse_many([(a.title, a.text) for a in articles], params, html, on_article, keys)
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


def analyse_many(texts: Texts, params: Params, html: bool = False, on_article: Callable[[], None] | None = None,
                 keys: list[Key] | None = None) -> tuple[list[str], list[tuple[np.ndarray, Terms]]]:
    """Every (title, text)'s terms (the text plain, or HTML with ``html``): the vocabulary
    (term id -> term, in the order of the terms' codes) and each article's (term ids, terms),
    sorted by id (the terms' codes are their ids then). With ``keys`` (each text's
    :data:`Key`), the texts analysed ahead are taken from there."""
    taken, found = _take_ahead(keys, params) if keys else ([], {})
    rest = [i for i in range(len(texts)) if i not in found]
    if on_article:
        for _ in found:
            on_article()
    parts = taken + _analyse_parts([texts[i] for i in rest], params, html, on_article)
    where = dict(found)  # text -> (part, article in it)
    unplaced = iter(rest)
    for number in range(len(taken), len(parts)):
        for article in range(len(parts[number].articles)):
            where[next(unplaced)] = (number, article)
    selections: list[tuple[Part, list[int]]] = [(part, []) for part in parts]
    slots = []  # text -> (part, its place among the part's chosen articles)
    for i in range(len(texts)):
        number, article = where[i]
        slots.append((number, len(selections[number][1])))
        selections[number][1].append(article)
    vocabulary, merged = _merged(selections)
    offsets = np.cumsum([0] + [len(chosen) for _, chosen in selections])
    return vocabulary, [merged[offsets[number] + place] for number, place in slots]


def _analyse_parts(texts: Texts, params: Params, html: bool, on_article: Callable[[], None] | None) -> list[Part]:
    """``texts`` analysed in one part per core (many texts, one thread), or in one."""
    alone = len(texts) < PARALLEL_FROM or threading.active_count() > 1
    bounds = _parts(len(texts), 1 if alone else cores())
    parts = [texts[start:end] for start, end in bounds]
    if len(parts) == 1:
        return [_analyse_part(parts[0], params, html, on_article)]
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
        return [_analyse_part(texts, params, html, on_article)]
    return results


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


def _merged(selections: list[tuple[Part, list[int]]]) -> tuple[list[str], list[tuple[np.ndarray, Terms]]]:
    """The chosen articles of each part (in that order) with one vocabulary: the parts'
    syllables renumbered in the order of their spellings, the terms the chosen articles have
    in the order of their codes then."""
    spellings = sorted(set().union(*(part.spellings for part, _ in selections)))
    number = {spelling: i for i, spelling in enumerate(spellings)}
    codes, used = [], []
    for part, chosen in selections:
        mask = np.zeros(len(part.codes), dtype=bool)
        mask[np.concatenate([part.articles[i][0] for i in chosen] or [np.empty(0, np.int32)])] = True
        new_ids = np.array([number[s] for s in part.spellings], dtype=np.int64)
        used.append(mask)
        codes.append(renumber(part.codes[mask], new_ids))
    vocabulary = _distinct(np.concatenate(codes or [np.empty(0, np.int64)]))
    analysed = []
    for (part, chosen), mask, part_codes in zip(selections, used, codes):
        term_id = np.zeros(len(part.codes), dtype=np.int32)  # position in the part -> term id
        term_id[mask] = np.searchsorted(vocabulary, part_codes)
        for i in chosen:
            positions, terms = part.articles[i]
            ids = term_id[positions]
            order = np.argsort(ids)
            analysed.append((ids[order], Terms(ids[order], terms.counts[order], terms.twins[order])))
    return [spell(c, spellings) for c in vocabulary.tolist()], analysed


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct ``values``, sorted (numpy's ``unique`` hashes them: many times slower here)."""
    ordered = np.sort(values)
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(ordered) else ordered


# --- analysing ahead, during an import --------------------------------------------------------

@dataclass
class _Ahead:
    """What this process handed over to be analysed, and the process analysing it."""

    pool: ProcessPoolExecutor
    params: Params
    parts: list[tuple[list[Key], Future]] = field(default_factory=list)


_ahead: _Ahead | None = None


def analyse_ahead(articles: list[tuple[int, str, str]], params: Params) -> None:
    """Start analysing ``articles`` (id, title, body HTML) in another process, for the coming
    :func:`index_all`. Nothing happens on a single core, or in a process with other threads."""
    global _ahead
    if not articles:  # a part of drafts, say: no process for nothing
        return
    if _ahead is not None and _ahead.params != params:
        discard_ahead()
    if _ahead is None:
        if cores() < 2 or threading.active_count() > 1:
            return
        _ahead = _Ahead(ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")), params)
    keys = [(article_id, text_key(title, body)) for article_id, title, body in articles]
    try:
        _ahead.parts.append((keys, _ahead.pool.submit(_analyse_part, [(t, b) for _, t, b in articles],
                                                      params, True)))
    except (OSError, RuntimeError) as error:
        log.warning("related news: no analysis ahead of the rebuild (%s)", error)
        discard_ahead()


def discard_ahead() -> None:
    """Stop analysing ahead and forget what was (an import whose end needed none of it)."""
    global _ahead
    ahead, _ahead = _ahead, None
    if ahead is not None:
        ahead.pool.shutdown(wait=True, cancel_futures=True)


def _take_ahead(keys: list[Key], params: Params) -> tuple[list[Part], dict[int, tuple[int, int]]]:
    """The parts analysed ahead, and for each of ``keys`` found in them (text unchanged): its
    index -> (part, article in it). Analysing ahead stops."""
    ahead, parts, found = _ahead, [], {}
    if ahead is not None and ahead.params == params:
        wanted = {key: i for i, key in enumerate(keys)}
        for part_keys, future in ahead.parts:
            try:
                part = future.result()
            except Exception as error:  # its articles are analysed again, here
                log.warning("related news: a part analysed ahead failed (%s)", error)
                continue
            for article, key in enumerate(part_keys):
                if key in wanted and wanted[key] not in found:
                    found[wanted[key]] = (len(parts), article)
            parts.append(part)
    discard_ahead()
    return parts, found
