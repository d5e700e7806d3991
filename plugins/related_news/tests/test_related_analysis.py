"""A large batch is analysed on every core, and an import's texts while it goes on, with exactly
the result of analysing them in one process at the end."""
import logging
import subprocess
import sys
import textwrap

from site_related_news import analysis
from site_related_news.analysis import ArticleText, index_all
from site_related_news.scoring import Params

SCRIPT = textwrap.dedent("""
    import pickle, resource, sys
    from site_related_news import analysis
    from site_related_news.analysis import ArticleText, index_all
    from site_related_news.scoring import Params

    texts = pickle.loads(sys.stdin.buffer.read())
    articles = [ArticleText(i, title, body, None, float(i)) for i, (title, body) in enumerate(texts)]
    analysis.PARALLEL_FROM, analysis.cores = 2, lambda: 3
    many = index_all(articles, Params(), html=True)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    analysis.PARALLEL_FROM = 10 ** 9
    one = index_all(articles, Params(), html=True)
    sys.stdout.buffer.write(pickle.dumps((many, one, children.ru_utime + children.ru_stime)))
""")


def _texts(topics, count=60):
    """Articles on the topics, each worded a little differently (own numbers, own last word)."""
    items = list(topics.items())
    return [(title.format(n=i), f"<p>{body} Tin số {i}: lần thứ {'một hai ba bốn năm'.split()[i % 5]}.</p>")
            for i, (_, (title, body)) in ((i, items[i % len(items)]) for i in range(count))]


def test_a_batch_analysed_by_three_processes_equals_one_process(topics):
    import pickle

    result = subprocess.run([sys.executable, "-c", SCRIPT], input=pickle.dumps(_texts(topics)),
                            capture_output=True, check=True)
    (many_docs, many_terms, many_df), (one_docs, one_terms, one_df), child_seconds = pickle.loads(result.stdout)
    assert child_seconds > 0, "no other process analysed anything"
    assert many_terms == one_terms and (many_df == one_df).all()
    for many, one in zip(many_docs, one_docs, strict=True):
        assert many.terms.tolist() == one.terms.tolist() and many.weights.tolist() == one.weights.tolist()


def test_without_other_processes_the_batch_is_analysed_here(topics, monkeypatch, caplog):
    class NoProcesses:
        def __init__(self, *args, **kwargs):
            raise OSError("fork refused")

    articles = [ArticleText(i, title, body, None, float(i)) for i, (title, body) in enumerate(_texts(topics))]
    expected = index_all(articles, Params(), html=True)
    monkeypatch.setattr(analysis, "PARALLEL_FROM", 2)
    monkeypatch.setattr(analysis, "cores", lambda: 2)
    monkeypatch.setattr(analysis.threading, "active_count", lambda: 1)
    monkeypatch.setattr(analysis, "ProcessPoolExecutor", NoProcesses)
    with caplog.at_level(logging.WARNING):
        docs, terms, df = index_all(articles, Params(), html=True)
    assert "analysing in one process (fork refused)" in caplog.text
    assert terms == expected[1] and [d.terms.tolist() for d in docs] == [d.terms.tolist() for d in expected[0]]


def test_a_process_with_threads_does_not_fork(topics, monkeypatch):
    monkeypatch.setattr(analysis, "PARALLEL_FROM", 2)
    monkeypatch.setattr(analysis, "cores", lambda: 2)
    monkeypatch.setattr(analysis.threading, "active_count", lambda: 3)
    monkeypatch.setattr(analysis, "ProcessPoolExecutor", None)  # would raise TypeError if used
    articles = [ArticleText(i, title, body, None, float(i)) for i, (title, body) in enumerate(_texts(topics))]
    docs, *_ = index_all(articles, Params(), html=True)
    assert len(docs) == len(articles)


# --- analysing ahead, during an import ------------------------------------------------------------

def _articles(texts):
    return [ArticleText(i, title, body, None, float(i)) for i, (title, body) in enumerate(texts)]


def _same(one, other):
    (docs, terms, df), (other_docs, other_terms, other_df) = one, other
    return terms == other_terms and df.tolist() == other_df.tolist() and all(
        a.terms.tolist() == b.terms.tolist() and a.weights.tolist() == b.weights.tolist()
        for a, b in zip(docs, other_docs, strict=True))


def test_articles_analysed_ahead_give_what_analysing_at_the_end_gives(topics, ahead, monkeypatch):
    texts = _texts(topics, 40)
    edited = list(texts)
    edited[5] = (edited[5][0], "<p>Bài đã sửa: thư viện mở cửa ngày thứ bảy.</p>")
    expected, expected_edited = (index_all(_articles(t), Params(), html=True) for t in (texts, edited))
    analysis.analyse_ahead([(i, t, b) for i, (t, b) in enumerate(texts[:20])], Params())
    analysis.analyse_ahead([(i, t, b) for i, (t, b) in enumerate(texts[20:30], start=20)], Params())
    assert analysis._ahead is not None
    analysed_here = []
    real = analysis._analyse_parts
    monkeypatch.setattr(analysis, "_analyse_parts", lambda texts, *a: analysed_here.append(len(texts)) or real(texts, *a))
    assert _same(index_all(_articles(edited), Params(), html=True), expected_edited)
    assert analysed_here == [1 + 10]  # the edited one and the ten never handed over
    assert analysis._ahead is None  # taken: analysing ahead stopped
    assert not _same(expected, expected_edited)


def test_a_part_that_failed_ahead_is_analysed_at_the_end(topics, ahead, monkeypatch, caplog):
    texts = _texts(topics, 12)
    expected = index_all(_articles(texts), Params(), html=True)
    real = analysis._analyse_part
    monkeypatch.setattr(analysis, "_analyse_part", lambda *a, **k: (_ for _ in ()).throw(MemoryError("full")))
    analysis.analyse_ahead([(i, t, b) for i, (t, b) in enumerate(texts)], Params())
    monkeypatch.setattr(analysis, "_analyse_part", real)
    with caplog.at_level(logging.WARNING):
        assert _same(index_all(_articles(texts), Params(), html=True), expected)
    assert "a part analysed ahead failed (full)" in caplog.text


def test_other_settings_or_a_sync_without_rebuild_discard_what_was_analysed_ahead(topics, ahead):
    texts = _texts(topics, 6)
    analysis.analyse_ahead([(i, t, b) for i, (t, b) in enumerate(texts)], Params())
    analysis.analyse_ahead([(i, t, b) for i, (t, b) in enumerate(texts)], Params(title_weight=3.0))
    assert len(ahead) == 2 and analysis._ahead.params == Params(title_weight=3.0)  # a new pool for new settings
    analysis.discard_ahead()
    assert analysis._ahead is None


AHEAD_SCRIPT = textwrap.dedent("""
    import pickle, resource, sys
    from site_related_news import analysis
    from site_related_news.analysis import ArticleText, index_all
    from site_related_news.scoring import Params

    texts = pickle.loads(sys.stdin.buffer.read())
    articles = [ArticleText(i, title, body, None, float(i)) for i, (title, body) in enumerate(texts)]
    analysis.cores = lambda: 2
    analysis.analyse_ahead([(i, t, b) for i, (t, b) in enumerate(texts)], Params())
    ahead = index_all(articles, Params(), html=True)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    here = index_all(articles, Params(), html=True)
    sys.stdout.buffer.write(pickle.dumps((ahead, here, children.ru_utime + children.ru_stime)))
""")


def test_a_forked_process_analyses_ahead_with_the_same_result(topics):
    import pickle

    result = subprocess.run([sys.executable, "-c", AHEAD_SCRIPT], input=pickle.dumps(_texts(topics)),
                            capture_output=True, check=True)
    ahead, here, child_seconds = pickle.loads(result.stdout)
    assert child_seconds > 0, "no other process analysed anything"
    assert _same(ahead, here)
