"""``flask related``: rebuild the stored lists, show their state, inspect one article."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from site_core.api import db
from site_core.reading import published_articles as articles

from . import caching
from .index import Config, read_state, rebuild
from .models import Neighbour


def make_group(plugin) -> AppGroup:
    group = AppGroup("related", help="Tin liên quan: related articles (rebuild, status, show).")

    @group.command("rebuild")
    @click.option("--quiet", is_flag=True, help="No progress bar.")
    def rebuild_command(quiet):
        """Recompute every article's related list (after an import or a settings change)."""
        config = Config.from_settings(plugin.settings)

        def progress(label, length):
            if quiet:
                return click.progressbar(length=length, label=label, file=_Null())
            return click.progressbar(length=length, label=label, show_pos=True, show_eta=True)

        report = rebuild(config, progress)
        caching.forget_all(plugin)
        click.echo(f"{report.articles} articles indexed, {report.lists} lists "
                   f"({report.fallback_lists} fallback: latest in category), "
                   f"{report.terms} terms, {report.seconds:.1f} s")

    @group.command("status")
    def status_command():
        """When the lists were built, and whether the settings changed since."""
        state = read_state()
        if not state:
            click.echo("Never built: run `flask related rebuild`.")
            return
        config = Config.from_settings(plugin.settings)
        lists = db.session.scalar(sa.select(sa.func.count(sa.distinct(Neighbour.article_id))))
        click.echo(f"built at: {state.get('built_at')}")
        click.echo(f"articles indexed at build: {state.get('documents')}; lists now: {lists}")
        shown = sa.select(Neighbour.fallback).where(Neighbour.rank < plugin.settings["count"]).subquery()
        total, latest = db.session.execute(sa.select(sa.func.count(), sa.func.sum(
            sa.cast(shown.c.fallback, sa.Integer)))).one()
        share = (latest or 0) / total if total else 0.0
        click.echo(f"fallback (latest in category) share of shown items: {share:.1%} ({latest or 0} of {total})")
        if state.get("settings") != config.fingerprint():
            click.echo("settings changed since the build: run `flask related rebuild`.")
        else:
            click.echo("settings: unchanged since the build")

    @group.command("show")
    @click.argument("slug")
    def show_command(slug):
        """Print the stored list of the article SLUG, with scores."""
        article = db.session.execute(sa.select(articles.c.id, articles.c.title)
                                     .where(articles.c.slug == slug)).first()
        if article is None:
            raise click.ClickException(f"no article with slug {slug!r}")
        rows = db.session.execute(
            sa.select(Neighbour.rank, Neighbour.score, Neighbour.fallback, articles.c.slug, articles.c.title)
            .join(articles, articles.c.id == Neighbour.neighbour_id)
            .where(Neighbour.article_id == article.id).order_by(Neighbour.rank)).all()
        click.echo(article.title)
        if not rows:
            click.echo("  (no stored list)")
        for rank, score, fallback, other_slug, title in rows:
            kind = "latest" if fallback else f"{score:.3f}"
            click.echo(f"  {rank + 1:2d}. [{kind}] {title} ({other_slug})")

    return group


class _Null:
    def write(self, *_):
        pass

    def flush(self):
        pass
