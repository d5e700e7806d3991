"""`flask related rebuild|status|show`, the demo data, and settings checks."""
import pytest
import sqlalchemy as sa


def stored_rows(app):
    from site_core.db import db
    from site_related_news.models import Neighbour

    with app.app_context():
        return db.session.execute(sa.select(Neighbour.article_id, Neighbour.rank, Neighbour.neighbour_id,
                                            Neighbour.fallback).order_by(Neighbour.article_id,
                                                                         Neighbour.rank)).all()


@pytest.fixture
def site_without_plugin(site_app_factory, make_article, topics):
    """A site whose articles were written before related_news was enabled."""
    app = site_app_factory({"PLUGINS": {"enabled": []}})
    for topic, (title, body) in topics.items():
        for n in range(3):
            make_article(app, title=title.format(n=n), body=f"<p>{body}</p>", category="Tin hoạt động")
    make_article(app, title="Bản nháp đại hội chi bộ", body=topics["đại hội"][1], status="draft")
    return app


@pytest.fixture
def late_app(site_app_factory, site_without_plugin):
    """The same database, now with related_news enabled."""
    return site_app_factory({"SQLALCHEMY_DATABASE_URI": site_without_plugin.config["SQLALCHEMY_DATABASE_URI"],
                             "PLUGINS": {"enabled": ["related_news"], "related_news": {"cache_seconds": 0}}})


def by_slug(app, slug):
    from site_core.articles import Article
    from site_core.db import db

    with app.app_context():
        return db.session.scalar(sa.select(Article).where(Article.slug == slug))


def test_rebuild_fills_the_lists_of_a_site_that_had_articles_before(late_app, shown, related):
    first = by_slug(late_app, "giai-bong-chuyen-can-bo-0")
    assert shown(first, app=late_app) == []  # nothing stored yet
    result = late_app.test_cli_runner().invoke(args=["related", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "9 articles indexed, 9 lists" in result.output  # the draft is not indexed
    assert "Tính bài liên quan" in result.output  # the progress bar's label
    siblings = {by_slug(late_app, f"giai-bong-chuyen-can-bo-{n}").id for n in (1, 2)}
    assert set(related(first, app=late_app)) == siblings


def lists(app):
    """article -> its (neighbour, is fallback) pairs; the order of equal scores aside."""
    found = {}
    for article, _, neighbour, fallback in stored_rows(app):
        found.setdefault(article, set()).add((neighbour, fallback))
    return found


# A floor above the IDF drift of a site of nine articles (see "IDF drift" in the README): the sports
# and congress articles share the syllable "bộ", which the first articles, synced when it was rare,
# weigh more than a rebuild does.
@pytest.mark.parametrize("site_config", [{"PLUGINS": {"enabled": ["related_news"], "related_news": {
    "cache_seconds": 0, "min_score": 0.05}}}])
def test_rebuild_gives_the_lists_the_hooks_built(site_app, publish, topics):
    for topic in topics:
        for _ in range(3):
            publish(topic)
    publish("bóng chuyền", status="draft")
    incremental = lists(site_app)
    assert len(incremental) == 9
    assert site_app.test_cli_runner().invoke(args=["related", "rebuild", "--quiet"]).exit_code == 0
    assert lists(site_app) == incremental
    rebuilt = stored_rows(site_app)
    assert site_app.test_cli_runner().invoke(args=["related", "rebuild", "--quiet"]).exit_code == 0
    assert stored_rows(site_app) == rebuilt  # idempotent


def test_status_tells_when_the_lists_were_built_and_when_settings_changed(late_app, site_app_factory):
    runner = late_app.test_cli_runner()
    assert "Never built" in runner.invoke(args=["related", "status"]).output
    runner.invoke(args=["related", "rebuild", "--quiet"])
    output = runner.invoke(args=["related", "status"]).output
    assert "built at:" in output and "unchanged" in output
    stricter = site_app_factory({"SQLALCHEMY_DATABASE_URI": late_app.config["SQLALCHEMY_DATABASE_URI"],
                                 "PLUGINS": {"enabled": ["related_news"], "related_news": {"threshold": 0.5}}})
    assert "settings changed" in stricter.test_cli_runner().invoke(args=["related", "status"]).output


def test_show_prints_an_articles_list_and_refuses_an_unknown_slug(site_app, publish):
    one, two = publish("đại hội"), publish("đại hội")
    runner = site_app.test_cli_runner()
    output = runner.invoke(args=["related", "show", one.slug]).output
    assert two.title in output and two.slug in output
    result = runner.invoke(args=["related", "show", "khong-co-bai-nay"])
    assert result.exit_code != 0 and "no article with slug 'khong-co-bai-nay'" in result.output


def test_the_demo_shows_related_lists_and_loading_it_twice_changes_nothing(site_app):
    runner = site_app.test_cli_runner()
    first = runner.invoke(args=["load-demo"])
    assert first.exit_code == 0, first.output
    assert "related_news:" in first.output
    rows = stored_rows(site_app)
    assert len({article for article, *_ in rows}) >= 30
    second = runner.invoke(args=["load-demo"])
    assert second.exit_code == 0 and stored_rows(site_app) == rows
    page = site_app.test_client().get("/bai-viet/" + _seed_slug(site_app)).get_data(as_text=True)
    assert 'data-widget="related_news"' in page and "Tin liên quan" in page


def _seed_slug(app):
    from site_core.articles import Article
    from site_core.db import db

    with app.app_context():
        return db.session.scalar(sa.select(Article.slug).where(Article.title.like("Trường Chính trị tỉnh%")))


@pytest.mark.parametrize("settings, message", [
    ({"count": 0}, "count must be at least 1"),
    ({"threshold": "cao"}, "threshold must be a number"),
    ({"unaccented_weight": 2.0}, "unaccented_weight must be at most 1.0"),
    ({"exclude_categories": "Thông báo"}, "exclude_categories must be a list"),
    ({"weights": 1}, "unknown setting 'weights'"),
])
def test_bad_settings_stop_start_up_naming_the_setting(site_app_factory, settings, message):
    from site_core.settings import SettingError

    with pytest.raises(SettingError, match=message):
        site_app_factory({"PLUGINS": {"enabled": ["related_news"], "related_news": settings}})


def test_a_category_list_that_is_not_names_leaves_the_site_up_without_the_widget(site_app_factory):
    from site_core import plugins

    app = site_app_factory({"PLUGINS_STRICT": False, "PLUGINS": {"enabled": ["related_news"], "related_news": {"exclude_categories": [3]}}})
    plugin = plugins.get(app).installed["related_news"]
    assert plugin.status == "failed" and "exclude_categories" in plugin.error
    assert app.test_client().get("/").status_code == 200


def test_status_reports_the_share_of_shown_items_that_are_only_the_latest(late_app, shown):
    from site_core.articles import Article
    from site_core.db import db

    runner = late_app.test_cli_runner()
    runner.invoke(args=["related", "rebuild", "--quiet"])
    with late_app.app_context():
        articles = db.session.scalars(sa.select(Article).where(Article.status == "published")).all()
    seen = [shown(a, app=late_app) for a in articles]
    latest = [shown(a, app=late_app, kind="latest") for a in articles]
    total, fallback = sum(map(len, seen)), sum(map(len, latest))
    assert 0 < fallback < total  # three articles per topic: two related, the rest filled
    output = runner.invoke(args=["related", "status"]).output
    assert f"share of shown items: {fallback / total:.1%} ({fallback} of {total})" in output
