"""What link previews (Facebook, Zalo, X) read from an article page.

The tags themselves are in ``templates/_sharing.html`` (OpenGraph, Twitter
card, canonical link); they need absolute addresses, which this filter makes.
"""
from __future__ import annotations

from urllib.parse import urljoin

from flask import Flask, request


def absolute_url(url: str) -> str:
    """``url`` (site-relative or absolute) as an absolute address on this site."""
    return urljoin(request.url, url)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["absolute_url"] = absolute_url
