"""The query's words marked in a result's title and snippet, whatever their diacritics.

The words are found on a copy of the text folded letter by letter (the same
length, so a match's span is the text's): "dai" marks "Đại", "hoa" marks
"hòa" and "hoà", and no pattern is built per spelling.
"""
from __future__ import annotations

import functools
import html
import re
import unicodedata

from markupsafe import Markup, escape

from .content import fold

SNIPPET_LENGTH = 240


def highlight(text: str, words, length: int | None = None) -> Markup:
    """``text`` escaped, the query's words (whatever their diacritics) in ``<mark>``.

    With ``length``, only a window of about that many characters around the
    first match (or the start), with "…" where it was cut.
    """
    text = unicodedata.normalize("NFC", text)
    return _marked(text, _unmarked(text), _pattern(tuple(words)) if words else None, length)


def _marked(text: str, folded: str, pattern: re.Pattern | None, length: int | None) -> Markup:
    """:func:`highlight`'s work, given ``text``'s :func:`_unmarked` form and the words' pattern."""
    start, end = 0, len(text)
    if length is not None and len(text) > length:
        found = pattern and pattern.search(folded)
        first = found.start() if found else 0
        start = max(0, text.rfind(" ", 0, max(0, first - length // 4)) + 1)
        end = min(len(text), start + length)
        end = text.rfind(" ", start, end) if end < len(text) and " " in text[start:end] else end
    parts, at = ["…" if start else ""], start
    for match in pattern.finditer(folded, start, end) if pattern else ():  # the window's only
        parts += [escape(text[at:match.start()]), "<mark>", escape(text[match.start():match.end()]), "</mark>"]
        at = match.end()
    parts += [escape(text[at:end]), "…" if end < len(text) else ""]
    return Markup("".join(parts))


@functools.lru_cache(maxsize=256)
def _pattern(words: tuple[str, ...]) -> re.Pattern:
    """``words`` (folded) as whole words of a text passed through :func:`_unmarked`."""
    return re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, words)) + r")(?![^\W_])", re.IGNORECASE)


def _unmarked(text: str) -> str:
    """``text`` (NFC) with each Latin letter folded to one letter ("Đại" -> "dai"), so
    its positions stay those of ``text``; case is left to the pattern."""
    return text.translate(_folded_letters())


@functools.cache
def _folded_letters() -> str:
    """A translation table, a string indexed by code point: each Latin letter that folds
    to one letter becomes it ("Đ" -> "d", "ằ" -> "a"), every other character stays."""
    table = [chr(code) for code in range(0x10000)]  # beyond it, str.translate leaves characters be
    for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        folded = fold(chr(code))
        if len(folded) == 1:
            table[code] = folded
    return "".join(table)


_TAG = re.compile(r"<[^>]*>")


def _text_of(body_html: str) -> str:
    """The text of a sanitised body, fast: tags and runs of spaces become one space
    (an unlikely ">" inside an attribute would only show the attribute's end)."""
    return " ".join(html.unescape(_TAG.sub(" ", body_html)).split())


def snippet(article, words) -> Markup:
    """A short passage of ``article`` with the query's words marked: from its summary if
    they are there, else from its body."""
    pattern = _pattern(tuple(words))
    summary = unicodedata.normalize("NFC", article.summary)
    folded = _unmarked(summary)
    if not pattern.search(folded):
        text = unicodedata.normalize("NFC", _text_of(article.body_html))
        folded_text = _unmarked(text)
        if pattern.search(folded_text):
            return _marked(text, folded_text, pattern, SNIPPET_LENGTH)
    return _marked(summary, folded, pattern, SNIPPET_LENGTH)
