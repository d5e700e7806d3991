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


def test_an_import_hands_its_parts_over_as_they_are_committed_and_its_rebuild_uses_them(
        site_app, tmp_path, monkeypatch, ahead):
    """Every two committed articles go to be analysed ahead; the rebuild at the end takes every
    article whose text is the one last handed over (an article imported again later in the same
    file, with another text, from its second part) and analyses only the rest (the last one)."""
    monkeypatch.setattr("site_core.importer.IMPORT_BATCH", 2)
    monkeypatch.setattr(index, "BULK", 2)  # this import is a rebuild
    from site_related_news import analysis

    taken, real = [], analysis._take_ahead
    monkeypatch.setattr(analysis, "_take_ahead", lambda *a: (lambda found: taken.append(found[1]) or found)(real(*a)))
    analysed_here, real_parts = [], analysis._analyse_parts
    monkeypatch.setattr(analysis, "_analyse_parts",
                        lambda texts, *a: analysed_here.append([t for t, _ in texts]) or real_parts(texts, *a))
    lines = [write_import(tmp_path / "a.jsonl", ["đại hội", "bóng chuyền", "tiêm chủng", "đại hội", "bóng chuyền"]),
             write_import(tmp_path / "b.jsonl", ["tiêm chủng"], start=1),  # bai-1 again, on another subject
             write_import(tmp_path / "c.jsonl", ["đại hội"], start=5)]
    source = tmp_path / "all.jsonl"
    source.write_text("".join(path.read_text(encoding="utf-8") for path in lines), encoding="utf-8")
    assert "created: 6, updated: 1" in import_file(site_app, source).output
    assert [len(task) for task in ahead[0].tasks] == [2, 2, 2]  # bai-0+1, bai-2+3, bai-4 + bai-1 again
    assert len(taken) == 1 and len(taken[0]) == 5  # bai-0 to bai-4, bai-1 with its second text
    assert analysed_here == [[TOPICS["đại hội"][0].format(n=5)]]  # bai-5, never handed over
    assert analysis._ahead is None
    assert exact(site_app, rebuilt=True)


def test_an_import_whose_sync_is_no_rebuild_drops_what_was_analysed_ahead(site_app, tmp_path, monkeypatch, ahead, syncs):
    monkeypatch.setattr("site_core.importer.IMPORT_BATCH", 2)
    import_file(site_app, write_import(tmp_path / "a.jsonl", ["đại hội", "bóng chuyền", "tiêm chủng"] * 4))
    import_file(site_app, write_import(tmp_path / "b.jsonl", ["tiêm chủng", "đại hội"], start=20))
    from site_related_news import analysis

    assert len(ahead) == 2 and analysis._ahead is None  # the second import's sync was incremental
    assert exact(site_app, rebuilt=False)
