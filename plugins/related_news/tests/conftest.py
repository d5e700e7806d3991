"""Fixtures for the related-news tests: the plugin alone, and ways to change articles."""
import re
from concurrent.futures import Future

import pytest

from site_related_news import analysis

TOPICS = {
    "bóng chuyền": ("Giải bóng chuyền cán bộ {n}",
                    "Các đội bóng chuyền thi đấu sôi nổi trên sân vận động. Vận động viên bóng chuyền "
                    "giành giải nhất hội thao."),
    "tiêm chủng": ("Tiêm vắc xin phòng dịch đợt {n}",
                   "Cán bộ được tiêm vắc xin phòng dịch COVID-19. Ngành y tế tổ chức tiêm chủng an toàn, "
                   "khai báo y tế đầy đủ."),
    "đại hội": ("Đại hội chi bộ nhiệm kỳ mới {n}",
                "Đại hội chi bộ bầu chi ủy, bí thư chi bộ nhiệm kỳ mới. Đảng viên thảo luận văn kiện đại hội."),
}


@pytest.fixture
def site_config():
    return {"PLUGINS": {"enabled": ["related_news"], "related_news": {"cache_seconds": 0}}}


@pytest.fixture
def topics():
    """topic -> (title template, body text) of the hand-made articles."""
    return TOPICS


@pytest.fixture
def publish(site_app, make_article):
    """publish(topic, n=..., **fields): an article on one of the TOPICS (or your own fields)."""
    counter = iter(range(1, 10_000))

    def make(topic=None, app=None, **fields):
        number = next(counter)
        if topic is not None:
            title, body = TOPICS[topic]
            fields.setdefault("title", title.format(n=number))
            fields.setdefault("body", f"<p>{body}</p>")
        fields.setdefault("category", "Tin hoạt động")
        return make_article(app or site_app, **fields)

    return make


@pytest.fixture
def edit(site_app):
    """edit(article, **changes): save new fields over an article, commit, notify plugins."""
    from site_core.articles import Article, ArticleInput, notify_change, save_article
    from site_core.db import db

    def change(article, app=None, **changes):
        with (app or site_app).app_context():
            current = db.session.get(Article, article.id)
            fields = {"title": current.title, "body": current.body_html, "category":
                      current.category.name if current.category else None,
                      "tags": tuple(t.name for t in current.tags), "status": current.status,
                      "published_at": current.published_at, **changes}
            saved, what = save_article(ArticleInput(**fields), existing=current)
            db.session.commit()
            notify_change(saved, what)
            return what

    return change


@pytest.fixture
def delete(site_app):
    from site_core.articles import Article, delete_article, notify_change
    from site_core.db import db

    def remove(article, app=None):
        with (app or site_app).app_context():
            current = db.session.get(Article, article.id)
            delete_article(current)
            db.session.commit()
            notify_change(current, "deleted")

    return remove


@pytest.fixture
def shown(render_widget):
    """shown(article): the ids the widget lists on the article's page, in order."""
    def ids(article, app=None, kind=None):
        html = render_widget("related_news", article=article, app=app)
        return [int(i) for i, k in re.findall(r'data-article-id="(\d+)" data-kind="(\w+)"', html)
                if kind in (None, k)]

    return ids


@pytest.fixture
def related(shown):
    """related(article): the ids listed as related (not the category's latest filling up)."""
    return lambda article, app=None: shown(article, app=app, kind="related")


class InlinePool:
    """A process pool that runs each task at once, here (what was handed over, and when)."""

    def __init__(self, *args, **kwargs):
        self.tasks = []

    def submit(self, function, *args):
        self.tasks.append(args[0])
        future = Future()
        try:
            future.set_result(function(*args))
        except Exception as error:  # noqa: BLE001 - the future carries it, as a process pool's would
            future.set_exception(error)
        return future

    def shutdown(self, **kwargs):
        pass


@pytest.fixture
def ahead(monkeypatch):
    """Analysing ahead with an inline pool, as if this process had one thread and two cores."""
    pools = []
    monkeypatch.setattr(analysis, "cores", lambda: 2)
    monkeypatch.setattr(analysis.threading, "active_count", lambda: 1)
    monkeypatch.setattr(analysis, "ProcessPoolExecutor", lambda *a, **k: pools.append(InlinePool()) or pools[-1])
    yield pools
    analysis.discard_ahead()
