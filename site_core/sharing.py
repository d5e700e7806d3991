"""What a page tells browsers, feed readers and link previews about itself.

Every page's head names the icon, the site's feed and the print stylesheet
(built once per app and script root, like the plugins' assets); an article
page adds OpenGraph, Twitter-card and canonical tags
(``templates/_sharing.html``), which need absolute addresses.
"""
from __future__ import annotations

from urllib.parse import urljoin

from flask import Flask, current_app, request, url_for
from markupsafe import Markup


def absolute_url(url: str) -> str:
    """``url`` (site-relative or absolute) as an absolute address on this site."""
    return urljoin(request.host_url, url)


def head_links() -> Markup:
    """The ``<link>`` tags every page carries: icon, site feed, print stylesheet."""
    built = current_app.extensions.setdefault("site_core.head_links", {})
    if request.script_root not in built:
        built[request.script_root] = Markup(
            '<link rel="icon" href="{icon}">\n'
            '<link rel="alternate" type="application/atom+xml" title="{name}" href="{feed}">\n'
            '<link rel="stylesheet" href="{print}" media="print">'
        ).format(icon=url_for("operations.favicon"), name=current_app.config["SITE_NAME"],
                 feed=url_for("feeds.site_feed"), print=url_for("static", filename="print.css"))
    return built[request.script_root]


def init_app(app: Flask) -> None:
    app.jinja_env.filters["absolute_url"] = absolute_url
    app.jinja_env.globals["head_links"] = head_links
