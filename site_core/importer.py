"""Importing articles from JSON Lines and Markdown files with front matter.

One article per JSON line (or per Markdown file). Re-importing matches on
the slug, given or derived from the title, so the same file updates instead
of duplicating. A bad line is reported as ``FILE:LINE: reason`` and the
other lines still import.
"""
from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import sqlalchemy as sa
import yaml

from .articles import STATUSES, Article, ArticleInput, article_slug, notify_change, save_article
from .db import begin_write, db
from .pages import StaticPage, save_page

FIELDS = {"title", "body", "summary", "author", "author_title", "category", "tags",
          "status", "published_at", "slug", "kind"}
KINDS = ("article", "page")  # a page: see site_core.pages


class ImportProblem(ValueError):
    """One record could not be imported; the message says why."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.errors)


def import_paths(paths: list[Path]) -> ImportReport:
    """Import every record of every file; commit each good one on its own."""
    report = ImportReport()
    for path in paths:
        for location, record in _records(path, report):
            try:
                begin_write()
                article, change, created = _upsert(record)
                db.session.commit()
            except (ImportProblem, ValueError, TypeError) as error:
                db.session.rollback()
                report.errors.append(f"{location}: {error}")
                continue
            except sa.exc.IntegrityError:
                db.session.rollback()
                report.errors.append(f"{location}: conflicts with a change made at the same time; import it again")
                continue
            report.created += created
            report.updated += not created
            if change:  # plugins hear of articles, not of pages
                notify_change(article, change)
    return report


def _records(path: Path, report: ImportReport) -> Iterator[tuple[str, Mapping]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        report.errors.append(f"{path}:0: cannot read file: {error}")
        return
    if path.suffix.lower() in (".md", ".markdown"):
        try:
            yield f"{path}:1", _markdown_record(text)
        except ImportProblem as error:
            report.errors.append(f"{path}:1: {error}")
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            report.errors.append(f"{path}:{number}: invalid JSON: {error.msg}")
            continue
        if not isinstance(record, dict):
            report.errors.append(f"{path}:{number}: expected a JSON object")
            continue
        yield f"{path}:{number}", record


def _markdown_record(text: str) -> dict:
    """Front matter (``---`` YAML or ``+++`` TOML) plus a Markdown body."""
    for fence, parse in (("---", yaml.safe_load), ("+++", tomllib.loads)):
        if text.startswith(fence + "\n"):
            head, sep, body = text[len(fence) + 1:].partition(f"\n{fence}\n")
            if not sep:
                raise ImportProblem(f"front matter is not closed with {fence}")
            try:
                meta = parse(head) or {}
            except (yaml.YAMLError, tomllib.TOMLDecodeError) as error:
                raise ImportProblem(f"invalid front matter: {error}") from None
            if not isinstance(meta, dict):
                raise ImportProblem("front matter must be a mapping")
            meta["body"] = markdown.markdown(body, extensions=["tables"])
            return meta
    raise ImportProblem("no front matter: start the file with --- (YAML) or +++ (TOML)")


def _parse(record: Mapping) -> ArticleInput:
    unknown = sorted(set(record) - FIELDS)
    if unknown:
        raise ImportProblem(f"unknown field {unknown[0]!r}")
    for key in ("title", "body", "summary", "author", "author_title", "category", "slug"):
        if record.get(key) is not None and not isinstance(record[key], str):
            raise ImportProblem(f"{key} must be a string")
    if not (record.get("title") or "").strip():
        raise ImportProblem("title is required")
    tags = record.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ImportProblem("tags must be a list of names")
    status = record.get("status") or "published"
    if status not in STATUSES:
        raise ImportProblem(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    return ArticleInput(
        title=record["title"], body=record.get("body") or "", summary=record.get("summary") or "",
        author=record.get("author") or "", author_title=record.get("author_title") or "",
        category=record.get("category") or None, tags=tuple(tags), status=status,
        published_at=_timestamp(record.get("published_at")), slug=record.get("slug") or None,
    )


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
    return parsed


def _upsert(record: Mapping) -> tuple[Article | StaticPage, str | None, bool]:
    kind = record.get("kind", "article")
    if kind not in KINDS:
        raise ImportProblem(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    data = _parse({key: value for key, value in record.items() if key != "kind"})
    slug = article_slug(data)
    if kind == "page":
        existing = db.session.scalar(sa.select(StaticPage).where(StaticPage.slug == slug))
        return save_page(data, existing), None, existing is None
    existing = db.session.scalar(sa.select(Article).where(Article.slug == slug))
    article, change = save_article(data, existing)
    return article, change, existing is None
