"""Static pages ("Giới thiệu", "Liên hệ"...): imported like articles, shown apart.

A page has its own table, so listings, feeds, tag pages and plugins that read
articles never meet one; it is served at ``/trang/<slug>`` and can be linked
from the menu. Drafts and future-dated pages are not public, as for articles.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from . import clock, content_version
from .articles import ArticleInput, _summary_from, article_slug, check_input, sanitiser, unique_slug
from .db import UTCDateTime, db


class StaticPage(db.Model):
    __tablename__ = "static_pages"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(200), unique=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")  # sanitised on the way in
    status: Mapped[str] = mapped_column(sa.String(20), default="published")
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    @property
    def is_public(self) -> bool:
        return self.status == "published" and self.published_at <= clock.now()


def public_pages() -> sa.Select:
    """Public pages, in the order they were first imported."""
    return (sa.select(StaticPage)
            .where(StaticPage.status == "published", StaticPage.published_at <= clock.now())
            .order_by(StaticPage.id))


def public_static_page(slug: str) -> StaticPage | None:
    """The public page with ``slug`` (detached, from the content cache), or None."""
    def load():
        found = db.session.scalar(sa.select(StaticPage).where(StaticPage.slug == slug))
        if found is not None:
            db.session.expunge(found)
        return found

    page = content_version.process_cache().get(("static_page", slug), load)
    return page if page is not None and page.is_public else None


def save_page(data: ArticleInput, existing: StaticPage | None = None) -> StaticPage:
    """Create or update a page from an article's fields (it has no category, tags or author)."""
    check_input(data)
    for field in ("category", "tags", "author", "author_title"):
        if getattr(data, field):
            raise ValueError(f"a page has no {field}: leave it out, or import it as an article")
    page = existing or StaticPage()
    if existing is None:
        page.slug = unique_slug(StaticPage, article_slug(data))
        db.session.add(page)
    page.title = data.title.strip()
    page.body_html = sanitiser().clean(data.body)
    page.summary = (data.summary or "").strip() or _summary_from(page.body_html)
    page.status = data.status
    page.published_at = clock.as_utc(data.published_at) if data.published_at else clock.now()
    page.updated_at = clock.now()
    db.session.flush()
    return page


content_version.watch((StaticPage,))
