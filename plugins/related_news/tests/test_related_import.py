"""``flask import-articles``: the related lists are updated once for the whole import, and right."""
import json

import pytest

from site_related_news import index, plugin as related_plugin

from .conftest import TOPICS


@pytest.fixture
def syncs(monkeypatch):
    """The id batches the plugin's hooks sync (the real sync still runs)."""
    calls = []
    real = related_plugin.sync

    def spy(ids, config):
        calls.append(sorted(ids))
        return real(ids, config)

    monkeypatch.setattr(related_plugin, "sync", spy)
    return calls


def write_import(path, topics, start=0, broken=False):
    lines = []
    for n, topic in enumerate(topics, start=start):
        title, body = TOPICS[topic]
        lines.append(json.dumps({"title": title.format(n=n), "body": f"<p>{body}</p>", "category": "Tin",
                                 "slug": f"bai-{n}"},
                                ensure_ascii=False))
    if broken:
        lines.insert(1, '{"title": ')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def import_file(app, path):
    return app.test_cli_runner().invoke(args=["import-articles", str(path)])


def stored_lists(app):
    import sqlalchemy as sa

    from site_core.db import db
    from site_related_news.models import Neighbour

    with app.app_context():
        rows = db.session.execute(sa.select(Neighbour.article_id, Neighbour.neighbour_id, Neighbour.fallback))
        found = {}
        for article_id, neighbour, fallback in rows:
            found.setdefault(article_id, set()).add((neighbour, fallback))
        return found


def computed_lists(app):
    from site_core import plugins

    with app.app_context():
        config = index.Config.from_settings(plugins.get(app).installed["related_news"].settings)
        found = {}
        for row in index.compute(config).neighbours:
            found.setdefault(row["article_id"], set()).add((row["neighbour_id"], row["fallback"]))
        return found


def test_an_import_syncs_once_for_all_its_articles_and_a_bad_line_loses_nothing(site_app, tmp_path, syncs):
    source = write_import(tmp_path / "a.jsonl", ["đại hội", "bóng chuyền", "đại hội", "bóng chuyền"], broken=True)
    result = import_file(site_app, source)
    assert result.exit_code == 1 and "a.jsonl:2: invalid JSON" in result.output
    assert "created: 4" in result.output
    assert len(syncs) == 1 and len(syncs[0]) == 4  # one update for the batch, not one per article
    assert stored_lists(site_app) == computed_lists(site_app)


def exact(app, rebuilt: bool) -> bool:
    """Whether every stored list is, in order, what a full computation from the stored vectors
    gives (a sync's guarantee), and after a rebuild also what a computation from the articles gives."""
    from site_core import plugins

    with app.app_context():
        config = index.Config.from_settings(plugins.get(app).installed["related_news"].settings)
        in_order = index.stored_lists() == index.lists_from_stored_vectors(config)
    return in_order and (not rebuilt or stored_lists(app) == computed_lists(app))


@pytest.mark.parametrize("bulk", [200, 2], ids=["a few articles: incremental", "a large batch: rebuild"])
def test_a_second_import_into_a_site_keeps_every_list_exact(site_app, tmp_path, syncs, monkeypatch, bulk):
    monkeypatch.setattr(index, "BULK", bulk)
    import_file(site_app, write_import(tmp_path / "a.jsonl", ["đại hội", "bóng chuyền", "tiêm chủng"] * 2))
    import_file(site_app, write_import(tmp_path / "b.jsonl", ["tiêm chủng", "đại hội", "tiêm chủng"], start=10))
    assert [len(batch) for batch in syncs] == [6, 3]
    assert exact(site_app, rebuilt=bulk == 2)
    again = write_import(tmp_path / "b.jsonl", ["bóng chuyền", "bóng chuyền", "bóng chuyền"], start=10)
    import_file(site_app, again)  # the same slugs: three articles change subject
    assert exact(site_app, rebuilt=bulk == 2)
