"""Importing articles from JSON Lines and Markdown files with front matter.

One article per JSON line (or per Markdown file). Re-importing matches on
the slug, given or derived from the title, so the same file updates instead
of duplicating. Each record is checked before the database
(:mod:`site_core.records`); a bad line is reported as ``FILE:LINE: reason``
and the other lines still import.
"""
from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import sqlalchemy as sa
import yaml

from .articles import Article, article_slug, notify_changes, notify_importing, save_article
from .db import begin_write, db
from .pages import StaticPage, save_page
from .records import ImportProblem, parse_record

KINDS = ("article", "page")  # a page: see site_core.pages
IMPORT_BATCH = 500  # changes per site_articles_importing call


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.errors)


def import_paths(paths: list[Path]) -> ImportReport:
    """Import every record of every file; commit each good one on its own.

    Plugins hear of the changes once, at the end (even if the import stops early);
    meanwhile, every ``IMPORT_BATCH`` changes, of the last ones (``site_articles_importing``).
    """
    report = ImportReport()
    changes: list[tuple[Article, str]] = []
    session = db.session()
    # The changes hold every imported article in the session; expiring them all at each
    # commit would make an import quadratic (10,000 articles: 50 million expirations).
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        _import_records(paths, report, changes)
    finally:
        session.expire_on_commit = expire
        notify_changes(changes)
    return report


def _import_records(paths: list[Path], report: ImportReport, changes: list) -> None:
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
                changes.append((article, change))
                if len(changes) % IMPORT_BATCH == 0:
                    notify_importing(changes[-IMPORT_BATCH:])


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
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines(): U+2028 may be in a string
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


def _upsert(record: Mapping) -> tuple[Article | StaticPage, str | None, bool]:
    kind = record.get("kind", "article")
    if kind not in KINDS:
        raise ImportProblem(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    data = parse_record({key: value for key, value in record.items() if key != "kind"})
    slug = article_slug(data)
    if kind == "page":
        existing = db.session.scalar(sa.select(StaticPage).where(StaticPage.slug == slug))
        return save_page(data, existing), None, existing is None
    existing = db.session.scalar(sa.select(Article).where(Article.slug == slug))
    article, change = save_article(data, existing)
    return article, change, existing is None
