"""Article text: sanitising stored HTML and Vietnamese-aware slugs.

HTML is sanitised once, on the way in, with nh3 (Ammonia) and an explicit
allow-list; only the sanitised body is ever marked safe in a template.
"""
from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "b", "i", "u", "s", "sub", "sup",
    "blockquote", "q", "cite", "code", "pre", "ul", "ol", "li", "a", "abbr",
    "figure", "figcaption", "img", "table", "caption", "thead", "tbody", "tr", "th", "td",
}
ATTRIBUTES = {
    "*": {"lang"},  # explicit: drops Ammonia's default generic "title"
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "cite"}
FIGURE_CLASSES = {"align-left", "align-right", "full-width"}
_NUMERIC = re.compile(r"\d{1,4}\Z")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_ADDRESS = re.compile(r"([^?#]*)(.*)", re.DOTALL)  # before the query or fragment, and the rest


def url_scheme(url: str) -> str | None:
    """The scheme of ``url`` in lower case; None for a relative URL."""
    found = _SCHEME.match(url)
    return found.group(1).lower() if found else None


def as_browsers_read(url: str) -> str:
    """``url`` as a browser reads it on an http(s) page (the WHATWG URL parser).

    C0 controls and spaces at either end go, tabs and newlines anywhere go,
    and in http(s) and relative URLs a backslash before the query is a slash:
    ``" /\\evil.example"`` is ``"//evil.example"``, another host.
    """
    url = re.sub(r"[\t\n\r]", "", url.strip(_C0_AND_SPACE))
    if url_scheme(url) in (None, "http", "https"):
        address, rest = _ADDRESS.match(url).groups()
        url = address.replace("\\", "/") + rest
    return url


class Sanitiser:
    """An nh3 cleaner for article bodies; images only from allowed hosts."""

    def __init__(self, image_hosts=()):
        self.image_hosts = {h.lower() for h in image_hosts}
        self._cleaner = nh3.Cleaner(
            tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
            allowed_classes={"figure": FIGURE_CLASSES},  # never also "class" in ATTRIBUTES
            link_rel="noopener noreferrer nofollow", strip_comments=True,
            attribute_filter=self._filter_attribute,
            set_tag_attribute_values={"img": {"loading": "lazy"}},
        )
        # nh3 panics (a BaseException) on some bad configurations: fail now, not per request.
        self._cleaner.clean('<figure class="align-left"><img src="/a.png" width="1"></figure>')

    def clean(self, html: str) -> str:
        # Twice, so that cleaning a clean body gives it back unchanged: where the
        # filter drops an attribute, nh3 may put the one it sets (``loading``) in
        # its place, and the next cleaning would move it to the end.
        return self._cleaner.clean(self._cleaner.clean(html or ""))

    def _filter_attribute(self, tag: str, attribute: str, value: str):
        if tag == "img" and attribute in ("width", "height"):
            return value if _NUMERIC.match(value) else None
        if attribute in URL_ATTRIBUTES:  # kept as the browser will read it, so what is checked is what loads
            url = as_browsers_read(value)
            if url_scheme(url) not in URL_SCHEMES | {None}:
                return None
            if tag == "img" and not self._image_allowed(url):
                return None
            return url
        return value

    def _image_allowed(self, url: str) -> bool:
        if url_scheme(url) is None:  # site-relative paths only: "//host" and "///host" are another host
            return url.startswith("/") and not url.startswith("//")
        parts = urlsplit(url)
        return parts.scheme == "https" and (parts.hostname or "") in self.image_hosts


def slugify(text: str, max_length: int = 120) -> str:
    """An ASCII slug: "Thanh Hóa tổ chức" -> "thanh-hoa-to-chuc" (đ -> d)."""
    text = fold(text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or "bai-viet"


TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
# "oa", "oe", "uy" (not after q): the tone sits on the first vowel in an open
# syllable ("hòa", "khỏe", "thủy") and on the second before a final consonant
# ("hoàng", "huỳnh"). The other placement ("hoà", "thuỷ") is moved to this one.
_TWO_VOWELS = re.compile(r"(?<!q)(?:oa|oe|uy)([bcdghklmnpqrstvx]*)\Z")
_WORD = re.compile(r"\w+")


def normalise_name(text: str) -> str:
    """One spelling of a name: NFC, single spaces, one tone placement.

    "Hoà  bình" and "Hòa bình" (composed or not) both give "Hòa bình".
    """
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return _WORD.sub(lambda word: _place_tone(word.group()), text)


def name_key(text: str) -> str:
    """What two names must share to be one category or tag: normalised, case aside."""
    return normalise_name(text).casefold()


def _place_tone(word: str) -> str:
    letters, tone, at = [], None, None
    for index, char in enumerate(word):
        marks = unicodedata.normalize("NFD", char)
        found = [m for m in marks if m in TONE_MARKS]
        if found:
            tone, at = found[0], index
        letters.append(unicodedata.normalize("NFC", "".join(m for m in marks if m not in TONE_MARKS)))
    pair = _TWO_VOWELS.search("".join(letters).lower())
    if tone is None or pair is None or at not in (pair.start(), pair.start() + 1):
        return word
    letters[pair.start() + (1 if pair.group(1) else 0)] += tone
    return unicodedata.normalize("NFC", "".join(letters))


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lower case without any diacritics, for matching: "Đại hội" -> "dai hoi"."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return _COMBINING.sub("", text).lower()


class _FirstImage(HTMLParser):
    def __init__(self):
        super().__init__()
        self.src = None

    def handle_starttag(self, tag, attrs):
        if tag == "img" and self.src is None:
            self.src = dict(attrs).get("src")


def first_image(html: str) -> str | None:
    """The ``src`` of the first image in ``html`` (the article's thumbnail)."""
    parser = _FirstImage()
    parser.feed(html or "")
    return parser.src


def plain_text(html: str) -> str:
    """The text of ``html`` without tags (for summaries and search)."""
    parts: list[str] = []
    parser = HTMLParser()
    parser.handle_data = parts.append
    parser.feed(html or "")
    return re.sub(r"\s+", " ", " ".join(parts)).strip()
