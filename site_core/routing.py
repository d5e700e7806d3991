"""URL values that reach the database, checked before any query runs.

Two URL converters, registered on every app (plugins' blueprints included):

``<id:name>``
    a row id: ASCII digits without a leading zero, from 1 to 2**31 - 1 (SQL
    ``INTEGER``, the id columns' type, whose range PostgreSQL enforces).
``<slug:name>``
    a slug as :func:`site_core.content.slugify` makes them: ``a-z``, ``0-9``
    and single hyphens.

A value that does not fit does not match the rule: 404, and no query.
:func:`page_number` does the same for ``?page=N``.
"""
from __future__ import annotations

import re

from werkzeug.routing import BaseConverter, IntegerConverter

MAX_ID = 2**31 - 1
MAX_PAGE = 999_999
_PAGE = re.compile(r"[1-9][0-9]{0,5}")


class IdConverter(IntegerConverter):
    regex = r"[1-9][0-9]{0,9}"  # ASCII only: \d would let "²" or "①" through to int()

    def __init__(self, map):
        super().__init__(map, min=1, max=MAX_ID)


class SlugConverter(BaseConverter):
    regex = r"[a-z0-9]+(?:-[a-z0-9]+)*"


CONVERTERS = {"id": IdConverter, "slug": SlugConverter}


def page_number(raw: str | None) -> int | None:
    """``?page=`` as a page number (absent: 1), or None unless it is 1 to ``MAX_PAGE`` in ASCII digits."""
    if raw is None:
        return 1
    return int(raw) if _PAGE.fullmatch(raw) else None


def init_app(app) -> None:
    app.url_map.converters.update(CONVERTERS)
