"""A large batch is analysed on every core, with exactly the result of one process."""
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
