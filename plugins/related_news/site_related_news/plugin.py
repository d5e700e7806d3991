"""The ``related_news`` plugin: settings, set-up, the widget and the change hook."""
from __future__ import annotations

import sqlalchemy as sa

from site_core.api import PrivacyNotice, Setting, Widget, hookimpl

from . import analysis, caching, widget
from .index import Config, rebuild, sync
from .scoring import Params

SITE_CORE_API = "1.2"  # the plugin API this plugin is written for (1.1: Widget.varies; 1.2: site_articles_importing)
TITLE = "Tin liên quan"
LATEST_TITLE = "Tin mới"


@hookimpl
def site_plugin_settings():
    return {
        "title": Setting(TITLE, help="the widget's heading"),
        "latest_title": Setting(LATEST_TITLE, help="the sub-heading over the latest articles that fill a list"),
        "count": Setting(5, minimum=1, maximum=20, help="how many related articles to show"),
        "threshold": Setting(Params.threshold, minimum=0.0, maximum=1.0,
                             help="related: scoring at least this share of the article's best match; "
                                  "if none is, the latest articles of the same category are shown"),
        "min_score": Setting(Params.min_score, minimum=0.0, maximum=2.0,
                             help="related: scoring more than this above the same-category bonus"),
        "fill_with_latest": Setting(Params.fill_with_latest,
                                    help="fill a list with fewer related articles than count with the "
                                         "latest of the same category"),
        "title_weight": Setting(Params.title_weight, minimum=0.0, maximum=20.0,
                                help="a title word counts this many times a body word"),
        "tags_weight": Setting(Params.tags_weight, minimum=0.0, maximum=5.0, help="weight of shared tags"),
        "category_weight": Setting(Params.category_weight, minimum=0.0, maximum=5.0, help="weight of the same category"),
        "unaccented_weight": Setting(Params.unaccented_weight, minimum=0.0, maximum=1.0,
                                     help="weight of matching words without diacritics (0: off)"),
        "profile_size": Setting(Params.profile_size, minimum=10, maximum=500,
                                help="candidates per article (at least the stored list): its best matches, "
                                     "whose own best matches are compared (second-order similarity)"),
        "profile_weight": Setting(Params.profile_weight, minimum=0.0, maximum=100.0,
                                  help="weight of the second-order similarity (0: shared words only)"),
        "max_terms": Setting(Params.max_terms, minimum=10, maximum=2000, help="terms kept per article"),
        "exclude_categories": Setting([], help="names (or slugs) of categories never listed as related"),
        "cache_seconds": Setting(300, minimum=0, help="cache each article's widget this long (0: off)"),
        "position": Setting(200, minimum=0, help="place in the sidebar (lower first)"),
    }


@hookimpl
def site_setup(plugin):
    from . import models  # noqa: F401  (init-db creates the tables)
    from .cli import make_group

    for name in plugin.settings["exclude_categories"]:
        if not isinstance(name, str):
            raise ValueError(f"exclude_categories must be a list of category names, got {name!r}")
    group = make_group(plugin)
    plugin.add_command(group, plugin.name)
    plugin.add_command(group, hidden=True)  # `flask related`, kept through 1.x


@hookimpl
def site_widgets(plugin):
    return [Widget(
        title=plugin.settings["title"],
        template="related_news/widget.html",
        context=widget.context,
        position=plugin.settings["position"],
        cache_seconds=plugin.settings["cache_seconds"],
        varies="content",  # the same for every reader until the articles change (a sync moves the version)
    )]


@hookimpl
def site_assets():
    return ["related_news.css"]


@hookimpl
def site_article_changed(article, change, plugin):
    """Update the stored lists this change touches (see :func:`.index.sync`)."""
    changed = sync([_article_id(article)], Config.from_settings(plugin.settings))
    caching.forget(plugin, changed)


@hookimpl
def site_articles_importing(changes, plugin):
    """Part of an import: its texts analysed in another process while the import goes on."""
    analysis.analyse_ahead([(_article_id(article), article.title, article.body_html or "")
                            for article, change in changes if change in ("published", "updated")],
                           Config.from_settings(plugin.settings).params)


@hookimpl
def site_articles_changed(changes, plugin):
    """An import: one update for the whole batch (a rebuild when it is a large part of the site)."""
    try:
        changed = sync([_article_id(article) for article, _ in changes], Config.from_settings(plugin.settings))
    finally:
        analysis.discard_ahead()  # a small import's sync needs none of it
    caching.forget(plugin, changed)


@hookimpl
def site_demo_data(app, plugin):
    report = rebuild(Config.from_settings(plugin.settings))
    caching.forget_all(plugin)
    return f"{report.lists} danh sách tin liên quan cho {report.articles} bài viết"


@hookimpl
def site_privacy_notice():
    return PrivacyNotice(summary="Tin liên quan được chọn chỉ theo nội dung bài viết: không dùng cookie, "
                                 "không lưu gì về người đọc.")


def _article_id(article) -> int:
    """The id, also from a deleted (detached, possibly expired) article."""
    identity = sa.inspect(article).identity
    return identity[0] if identity else article.id
