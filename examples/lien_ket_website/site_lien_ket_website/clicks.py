"""Counting readers' clicks on the partner links: a table, a page, a redirect, a command.

``/lien_ket_website/`` lists the links; ``/lien_ket_website/go/N`` counts a
click on link N (1-based) and redirects to it: only to a configured link, so
it is no open redirect. ``flask lien_ket_website clicks`` prints the counts.
"""
import click
import sqlalchemy as sa
from flask import redirect, render_template
from flask.cli import AppGroup

from site_core.api import db, error_page, increment, plugin_of, write_transaction

clicks = sa.Table(
    "lien_ket_website_clicks", db.metadata,
    sa.Column("url", sa.String(1000), primary_key=True),
    sa.Column("clicks", sa.BigInteger, nullable=False, server_default="0"),
)


def index():
    return render_template("lien_ket_website/index.html", links=plugin_of(__name__).settings["links"])


def go(number: int):
    links = plugin_of(__name__).settings["links"]
    if not 1 <= number <= len(links):
        return error_page(404)
    url = links[number - 1]["url"]
    with write_transaction() as connection:
        increment(connection, clicks, {"url": url}, {"clicks": 1})
    return redirect(url, 302)


def command(plugin) -> AppGroup:
    group = AppGroup(plugin.name, help="Liên kết website: partner links.")

    @group.command("clicks")
    def show_clicks():
        """Print each link's clicks."""
        counted = dict(db.session.execute(sa.select(clicks.c.url, clicks.c.clicks)).all())
        for link in plugin.settings["links"]:
            click.echo(f"{counted.get(link['url'], 0):>8}  {link['title']} ({link['url']})")

    return group


def register(plugin) -> None:
    plugin.blueprint.add_url_rule("/", "index", index)
    plugin.blueprint.add_url_rule("/go/<id:number>", "go", go)
    plugin.add_command(command(plugin))
