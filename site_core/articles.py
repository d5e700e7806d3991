"""Articles, categories and tags, and the one way to save them.

Times are stored in UTC and shown in ``SITE_TIMEZONE``. Drafts and
future-dated articles are never public. Saving goes through
:func:`save_article`, which sanitises the body, keeps slugs stable and
tells plugins what changed.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from . import clock
from . import content_version, search_index
from .content import Sanitiser, first_image, name_key, normalise_name, plain_text, slugify
from .db import UTCDateTime, db

STATUSES = ("published", "draft")

article_tags = sa.Table(
    "article_tags", db.metadata,
    sa.Column("article_id", sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Category(db.Model):
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(200), unique=True)


class Tag(db.Model):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(200), unique=True)


class RetiredSlug(db.Model):
    """A category's or tag's former slug, merged into another: its URL redirects there."""

    __tablename__ = "retired_slugs"
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)  # "categories" or "tags"
    slug: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    target_id: Mapped[int] = mapped_column()


class Article(db.Model):
    __tablename__ = "articles"
    __table_args__ = (
        sa.Index("ix_articles_listing", "status", "published_at", "id"),  # home, newest first
        sa.Index("ix_articles_category_listing", "category_id", "published_at", "id"),  # a category's
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(200), unique=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")  # sanitised on the way in
    thumbnail: Mapped[str | None] = mapped_column(sa.String(1000))
    author: Mapped[str] = mapped_column(sa.String(200), default="")
    author_title: Mapped[str] = mapped_column(sa.String(300), default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="published")
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id"))
    category: Mapped[Category | None] = relationship(lazy="joined")
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, order_by=Tag.name)

    @property
    def is_public(self) -> bool:
        return self.status == "published" and self.published_at <= clock.now()

    @property
    def text(self) -> str:
        return plain_text(self.body_html)


def public_articles() -> sa.Select:
    """Published articles whose time has come, newest first (ties by id)."""
    return (
        sa.select(Article)
        .where(Article.status == "published", Article.published_at <= clock.now())
        .order_by(Article.published_at.desc(), Article.id.desc())
    )


@functools.cache
def _public_by_slug() -> sa.Select:
    # Built once: constructing the statement costs more than running it. The
    # tags come in a second, indexed query: as a LEFT JOIN through
    # article_tags, SQLite scans every article's tags (37 ms at 10k articles).
    return (
        sa.select(Article).options(selectinload(Article.tags))
        .where(Article.status == "published", Article.published_at <= sa.bindparam("now"),
               Article.slug == sa.bindparam("slug"))
    )


def public_article(slug: str) -> Article | None:
    """The public article with ``slug`` (category and tags loaded), or None.

    Served from the process's content cache while the content version stays
    put; the cached article is detached from any session, read-only.
    """
    article = content_version.process_cache().get(("article", slug), lambda: _load_public(slug))
    return article if article is not None and article.is_public else None


def _load_public(slug: str) -> Article | None:
    article = db.session.execute(_public_by_slug(), {"now": clock.now(), "slug": slug}).scalar_one_or_none()
    if article is not None:  # detached with everything the page reads, so it outlives this session
        _detach((article, article.category, *article.tags))
    return article


def _detach(loaded) -> None:
    """Take loaded objects out of the session (each once; shared categories repeat)."""
    for obj in set(loaded):
        if obj is not None and obj in db.session:
            db.session.expunge(obj)


CACHED_PAGES = 3  # the first pages of each listing: where readers are


@dataclass(frozen=True)
class UntilScheduled:
    """A value read from the public articles at ``computed_at``: it holds until the content
    changes (the cache's version) or the next scheduled article's time comes."""

    value: object
    computed_at: dt.datetime
    valid_until: dt.datetime | None  # when the next scheduled article becomes public

    def valid_at(self, now: dt.datetime) -> bool:
        return self.computed_at <= now and (self.valid_until is None or now < self.valid_until)


def until_scheduled(cache: content_version.ProcessCache, key: Hashable, compute: Callable[[], object],
                    kinds: tuple = ()) -> UntilScheduled:
    """``compute()`` from ``cache``, read again once a scheduled article (or a scheduled row of
    the further ``kinds``, such as static pages) has become public since."""
    now = clock.now()

    def load() -> UntilScheduled:
        value = compute()
        scheduled = [db.session.scalar(sa.select(sa.func.min(kind.published_at)).where(
            kind.status == "published", kind.published_at > now)) for kind in (Article, *kinds)]
        return UntilScheduled(value, now, min(filter(None, scheduled), default=None))

    return cache.get(key, load, still_valid=lambda cached: cached.valid_at(now))


def public_page(key: Hashable, query: Callable[[], sa.Select], page: int, per_page: int):
    """Page ``page`` of a listing of public articles (a ``Pagination``), from the content cache.

    ``query`` builds the listing's statement (only when it must run). A
    listing changes when the content does (the content version) and when a
    scheduled article's time comes; either makes it read again. Only the
    first ``CACHED_PAGES`` pages are kept.
    """
    def read():
        return db.paginate(query(), page=page, per_page=per_page, error_out=False, count=True)

    if page > CACHED_PAGES:  # deep pages (crawlers walk them all) are read each time
        return read()

    def load():
        found = read()
        _detach(obj for article in found.items for obj in (article, article.category))  # not the tags
        return found

    return until_scheduled(content_version.process_cache(), ("listing", key, page, per_page), load).value


def by_slug(model, slug: str):
    """The category or tag with ``slug`` (detached), from the content cache; None if none."""
    def load():
        found = db.session.scalar(sa.select(model).where(model.slug == slug))
        _detach((found,))
        return found

    return content_version.process_cache().get((model.__tablename__, slug), load)


def retired_target(model, slug: str):
    """The category or tag that ``slug`` was merged into, or None."""
    target = db.session.scalar(sa.select(RetiredSlug.target_id).where(
        RetiredSlug.kind == model.__tablename__, RetiredSlug.slug == slug))
    return db.session.get(model, target) if target is not None else None


def menu_categories() -> list[dict]:
    """Categories with public articles (name, slug), for the menu, from the content cache."""
    return until_scheduled(content_version.process_cache(), "menu", _load_menu).value


def _load_menu() -> list[dict]:
    return [{"name": name, "slug": slug} for name, slug in
            db.session.execute(sa.select(Category.name, Category.slug).order_by(Category.name).where(
                sa.exists().where(Article.category_id == Category.id, public_articles().whereclause)))]


def sanitiser() -> Sanitiser:
    """The app's sanitiser (built once at start-up, so a bad setup fails early)."""
    return current_app.extensions["site_core.sanitiser"]


def get_or_create(model, name: str):
    """The category or tag called ``name``, created if new (safe when two writers race).

    Names are normalised, and match whatever their case: "hoà bình" finds "Hòa bình".
    """
    name = normalise_name(name)
    found = _named(model, name)
    if found is None:
        try:
            with db.session.begin_nested():
                found = model(name=name, slug=unique_slug(model, slugify(name)))
                db.session.add(found)
        except sa.exc.IntegrityError:  # another writer created it first
            found = _named(model, name)
            if found is None:
                raise
    return found


def _named(model, name: str):
    """The category or tag whose name is ``name`` but for case (among those sharing its slug)."""
    base = slugify(name)
    for candidate in db.session.scalars(sa.select(model).where(
            sa.or_(model.slug == base, model.slug.like(f"{base}-%"))).order_by(model.id)):
        if name_key(candidate.name) == name_key(name):
            return candidate
    return None


def unique_slug(model, base: str, own_id: int | None = None) -> str:
    """``base``, or ``base-2``, ``base-3``… if another row has it (or had it, and it redirects)."""
    candidate, n = base, 1
    while True:
        taken = db.session.scalar(sa.select(model.id).where(model.slug == candidate))
        if taken is None and model in (Category, Tag):
            taken = db.session.scalar(sa.select(RetiredSlug.target_id).where(
                RetiredSlug.kind == model.__tablename__, RetiredSlug.slug == candidate))
        if taken is None or taken == own_id:
            return candidate
        n += 1
        candidate = f"{base}-{n}"


@dataclass
class ArticleInput:
    """The fields an editor or importer gives; validated by :func:`save_article`."""

    title: str
    body: str = ""
    summary: str = ""
    author: str = ""
    author_title: str = ""
    category: str | None = None
    tags: tuple[str, ...] = ()
    status: str = "published"
    published_at: dt.datetime | None = None
    slug: str | None = None


def save_article(data: ArticleInput, existing: Article | None = None) -> tuple[Article, str]:
    """Create or update an article; returns it and the change for plugins.

    The caller commits, then calls :func:`notify_change`. The slug is kept
    when the title of an existing article changes.
    """
    check_input(data)
    published_at = clock.as_utc(data.published_at) if data.published_at else clock.now()
    article = existing or Article()
    was_public = existing is not None and existing.is_public
    if existing is None:
        article.slug = unique_slug(Article, article_slug(data))
        db.session.add(article)
    body = sanitiser().clean(data.body)
    thumbnail = first_image(body)
    if thumbnail and len(thumbnail) > Article.thumbnail.type.length:
        raise ValueError(f"the first image's address is {len(thumbnail)} characters long; "
                         f"at most {Article.thumbnail.type.length} fit")
    article.title = data.title.strip()
    article.body_html = body
    article.summary = (data.summary or "").strip() or _summary_from(body)
    article.thumbnail = thumbnail
    article.author, article.author_title = data.author.strip(), data.author_title.strip()
    article.status, article.published_at = data.status, published_at
    article.updated_at = clock.now()
    article.category = get_or_create(Category, data.category) if data.category else None
    names = {name_key(t): normalise_name(t) for t in reversed(data.tags) if t.strip()}  # the first spelling
    article.tags = [get_or_create(Tag, name) for name in reversed(names.values())]
    db.session.flush()
    search_index.index(db.session.connection(), article)
    if article.is_public and not was_public:
        return article, "published"
    if was_public and not article.is_public:
        return article, "unpublished"
    return article, "updated"


def check_input(data: ArticleInput) -> None:
    """Raise ValueError unless ``data`` has a title and a known status."""
    if not data.title or not data.title.strip():
        raise ValueError("title is required")
    if data.status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {data.status!r}")


def article_slug(data: ArticleInput) -> str:
    """The slug an article is stored under: the one given, else one made from its title."""
    return slugify(data.slug, max_length=200) if data.slug else slugify(data.title)


def delete_article(article: Article) -> None:
    """Delete ``article``; the caller commits, then notifies ``"deleted"``.

    Its fields stay readable afterwards (loaded now), for the plugins' hook.
    """
    _ = (article.title, article.category, list(article.tags))
    search_index.forget(db.session.connection(), article.id)
    db.session.delete(article)
    db.session.flush()


def notify_change(article: Article, change: str) -> None:
    """Tell every enabled plugin that ``article`` changed (after the commit)."""
    from . import plugins

    for _ in plugins.get().call_each("site_article_changed", article=article, change=change):
        pass


def notify_changes(changes: list[tuple[Article, str]]) -> None:
    """Tell every enabled plugin about many committed changes: one ``site_articles_changed``
    call, and one ``site_article_changed`` per change for plugins implementing only that."""
    from . import plugins

    if not changes:
        return
    registry = plugins.get()
    for _ in registry.call_each("site_articles_changed", changes=list(changes)):
        pass
    bulk = [plugin.name for plugin in registry.enabled if "site_articles_changed" in plugin.hooks]
    for article, change in changes:
        for _ in registry.call_each("site_article_changed", skip=bulk, article=article, change=change):
            pass


def notify_importing(changes: list[tuple[Article, str]]) -> None:
    """Tell every enabled plugin that part of an import is committed (``site_articles_importing``)."""
    from . import plugins

    for _ in plugins.get().call_each("site_articles_importing", changes=list(changes)):
        pass


def _summary_from(body: str, limit: int = 300) -> str:
    text = plain_text(body)
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


content_version.watch((Article, Category, Tag))
