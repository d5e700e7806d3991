"""The site menu: the ``MENU`` config key, or the home page, every category and page.

``MENU`` is a list of items, each a label and exactly one target::

    MENU = [
      {label = "Trang chủ", url = "/"},
      {label = "Tin tức", category = "tin-tuc"},      # a category's slug
      {page = "gioi-thieu"},                          # a page's slug; label: its title
      {label = "Cổng Chính phủ", url = "https://chinhphu.vn"},
    ]

A category or page item without a label shows the category's name or the
page's title. A target that does not exist (yet), a category without public
articles included, is left out of the menu; the menu is drawn again when a
scheduled article or page becomes public.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, request, url_for

from . import content_version
from .articles import menu_categories, until_scheduled
from .config import ConfigError
from .db import db
from .pages import StaticPage, public_pages, public_static_page

log = logging.getLogger("site_core.menu")
TARGETS = ("category", "page", "url")


@dataclass(frozen=True)
class MenuItem:
    label: str
    href: str

    @property
    def current(self) -> bool:
        return self.href == request.path


def validate(menu) -> None:
    """Raise :class:`ConfigError` naming the first wrong item of ``MENU``."""
    if menu is None:
        return
    if not isinstance(menu, list):
        raise ConfigError(f"MENU must be a list of items such as {{label = \"Giới thiệu\", page = \"gioi-thieu\"}}, "
                          f"got {menu!r}")
    for number, item in enumerate(menu, start=1):
        where = f"MENU item {number}"
        if not isinstance(item, dict):
            raise ConfigError(f"{where} must be a table such as {{label = \"Tin tức\", category = \"tin-tuc\"}}, "
                              f"got {item!r}")
        unknown = sorted(set(item) - {"label", *TARGETS})
        targets = [key for key in TARGETS if key in item]
        if unknown:
            raise ConfigError(f"{where}: unknown key {unknown[0]!r} (use label and one of {', '.join(TARGETS)})")
        if len(targets) != 1:
            raise ConfigError(f"{where} needs exactly one of {', '.join(TARGETS)}, got {item!r}")
        for key, value in item.items():
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{where}: {key} must be a non-empty string, got {value!r}")
        if "url" in item:
            if "label" not in item:
                raise ConfigError(f"{where}: a url needs a label")
            if not _safe_url(item["url"]):
                raise ConfigError(f"{where}: url must start with / (this site) or http:// or https://, "
                                  f"got {item['url']!r}")


def _safe_url(url: str) -> bool:
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return url.startswith("/") and not url.startswith("//")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def site_menu() -> list[MenuItem]:
    """The menu's items; an empty menu if the database is unreachable."""
    try:
        return until_scheduled(content_version.process_cache(), "site_menu", _build, (StaticPage,)).value
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return []


def _build() -> list[MenuItem]:
    menu = current_app.config.get("MENU")
    if menu is None:
        return [MenuItem("Trang chủ", url_for("reader.index")),
                *(MenuItem(c["name"], url_for("reader.category", slug=c["slug"])) for c in menu_categories()),
                *(MenuItem(p.title, url_for("reader.static_page", slug=p.slug))
                  for p in db.session.scalars(public_pages()))]
    return [item for item in map(_resolve, menu) if item is not None]


def _resolve(item: dict) -> MenuItem | None:
    if "url" in item:
        return MenuItem(item["label"], item["url"])
    if "category" in item:
        found = next((c for c in menu_categories() if c["slug"] == item["category"]), None)
        label, href = (found["name"], url_for("reader.category", slug=found["slug"])) if found else (None, None)
    else:
        found = public_static_page(item["page"])
        label, href = (found.title, url_for("reader.static_page", slug=found.slug)) if found else (None, None)
    if found is None:
        log.warning("MENU: no public %s %r; the item is left out", *next(i for i in item.items() if i[0] != "label"))
        return None
    return MenuItem(item.get("label") or label, href)
