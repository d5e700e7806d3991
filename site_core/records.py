"""An imported article record, checked field by field before the database.

Whatever the database, the same record is stored or refused with the same
reason. Every text must fit its column (lengths read from the models) and
hold no control character (NUL included; the body and summary may hold tabs
and line breaks) and no lone surrogate; outside the body, no bidi formatting
character either (U+202E and its kin reorder the text around them: in a
title they disguise it). Such characters are refused, not stripped, so
nothing changes unseen. A date must lie between ``EARLIEST`` and ``LATEST``.
What only the sanitised body tells (its first image's address, the listing
thumbnail) is checked by :func:`site_core.articles.save_article`.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping

from .articles import STATUSES, Article, ArticleInput, Category, Tag

FIELDS = {"title", "body", "summary", "author", "author_title", "category", "tags",
          "status", "published_at", "slug"}
TEXT_FIELDS = ("title", "body", "summary", "author", "author_title", "category", "slug")
LENGTHS = {key: column.type.length for key, column in {  # what each column holds, read once
    "title": Article.title, "author": Article.author, "author_title": Article.author_title,
    "category": Category.name, "tags": Tag.name, "slug": Article.slug}.items()}
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.timezone.utc)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.timezone.utc)

# C0 and C1 controls but tab, line feed, form feed and return; lone surrogates (JSON's "\\ud800")
_CONTROLS = "\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff"
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # marks, embeddings, overrides, isolates
REFUSED = {
    "body": re.compile(f"[{_CONTROLS}]"),
    "summary": re.compile(f"[{_CONTROLS}{_BIDI}]"),
}
_ONE_LINE = re.compile(f"[{_CONTROLS}\t\n\x0c\r\u2028\u2029{_BIDI}]")  # and no line or paragraph separator


class ImportProblem(ValueError):
    """One record could not be imported; the message says why."""


def parse_record(record: Mapping) -> ArticleInput:
    """The article ``record`` describes, or :class:`ImportProblem` saying what is wrong."""
    unknown = sorted(set(record) - FIELDS)
    if unknown:
        raise ImportProblem(f"unknown field {unknown[0]!r}")
    for key in TEXT_FIELDS:
        if record.get(key) is not None and not isinstance(record[key], str):
            raise ImportProblem(f"{key} must be a string")
    tags = record.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ImportProblem("tags must be a list of names")
    for key in TEXT_FIELDS:
        _check_text(key, record.get(key) or "")
    for tag in tags:
        _check_text("tags", tag)
    if not (record.get("title") or "").strip():
        raise ImportProblem("title is required")
    status = record.get("status") or "published"
    if status not in STATUSES:
        raise ImportProblem(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    return ArticleInput(
        title=record["title"], body=record.get("body") or "", summary=record.get("summary") or "",
        author=record.get("author") or "", author_title=record.get("author_title") or "",
        category=(record.get("category") or "").strip() or None, tags=tuple(tags), status=status,
        published_at=_timestamp(record.get("published_at")), slug=record.get("slug") or None,
    )


def _check_text(key: str, value: str) -> None:
    refused = REFUSED.get(key, _ONE_LINE).search(value)
    if refused:
        char = refused.group()
        name = unicodedata.name(char, "a control character or lone surrogate")
        raise ImportProblem(f"{key} holds U+{ord(char):04X} ({name}) at character {refused.start() + 1}: "
                            "control and bidi formatting characters are refused; remove it")
    limit = LENGTHS.get(key)
    if limit is not None and len(value.strip()) > limit:
        raise ImportProblem(f"{key} is {len(value.strip())} characters long; at most {limit} fit")


def _timestamp(value) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ImportProblem(f"published_at is not ISO 8601: {value!r}") from None
    else:
        raise ImportProblem("published_at must be an ISO 8601 string")
    if parsed.tzinfo is None:
        raise ImportProblem(f"published_at needs a UTC offset, e.g. +07:00: {value!r}")
    try:
        in_range = EARLIEST <= parsed.astimezone(dt.timezone.utc) < LATEST
    except OverflowError:  # year 1 or 9999 moved across midnight by its offset
        in_range = False
    if not in_range:
        raise ImportProblem(f"published_at must lie between {EARLIEST.year} and {LATEST.year - 1}: {value!r}")
    return parsed
