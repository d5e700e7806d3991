"""Stored bodies cleaned again with today's allow-list (``flask resanitise``).

Bodies are sanitised once, on the way in. When the allow-list narrows (a
host taken out of ``IMAGE_HOSTS``, a tag or attribute taken out of the
sanitiser), bodies stored before still hold what is no longer allowed.
:func:`resanitise` cleans every article's and page's body again and, where
that changes it, updates what is derived from the body: the thumbnail, a
summary that was made from the body, the search index, ``updated_at`` (so
feeds and sitemaps tell readers and crawlers). Plugins are told of each
changed article as of any edit, and every server shows the change on the
next request (the content version moves with the commit). Cleaning a clean
body gives it back unchanged, so a body already clean is left alone.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa

from . import clock, search_index
from .articles import Article, _summary_from, notify_change, sanitiser
from .content import first_image
from .db import begin_write, db
from .pages import StaticPage

BATCH = 200  # rows cleaned per transaction: memory stays flat on a large site
KINDS = {Article: "article", StaticPage: "page"}


@dataclass
class Report:
    checked: int = 0
    changed: list[str] = field(default_factory=list)  # "article <slug>", "page <slug>"


def resanitise(*, dry_run: bool = False) -> Report:
    """Clean every stored body again; with ``dry_run``, only say which would change."""
    report = Report()
    for model, kind in KINDS.items():
        for batch in _batches(model):
            changed = [row for row in batch if _clean_again(row)]
            report.checked += len(batch)
            report.changed += [f"{kind} {row.slug}" for row in changed]
            if dry_run:
                db.session.rollback()
                continue
            db.session.commit()
            for row in changed:
                if isinstance(row, Article):
                    notify_change(row, "updated")
    return report


def _batches(model) -> Iterator[list]:
    """Rows of ``model`` by id, ``BATCH`` at a time, each batch in its own write transaction."""
    last = 0
    while True:
        begin_write()
        batch = list(db.session.scalars(sa.select(model).where(model.id > last).order_by(model.id).limit(BATCH)))
        if not batch:
            db.session.rollback()
            return
        last = batch[-1].id
        yield batch


def _clean_again(row: Article | StaticPage) -> bool:
    """Clean ``row``'s body again and update what comes from it; whether it changed."""
    old = row.body_html or ""
    body = sanitiser().clean(old)
    if body == old:
        return False
    if row.summary == _summary_from(old):  # made from the body, not written by an editor
        row.summary = _summary_from(body)
    row.body_html, row.updated_at = body, clock.now()
    if isinstance(row, Article):
        thumbnail = first_image(body)  # cleaning only removes: None if it no longer fits its column
        row.thumbnail = thumbnail if thumbnail and len(thumbnail) <= Article.thumbnail.type.length else None
        db.session.flush()
        search_index.index(db.session.connection(), row)
    return True
