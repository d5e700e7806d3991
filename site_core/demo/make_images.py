"""Generate the placeholder SVG images referenced by the demo articles.

Reads ``articles.jsonl`` next to this file, finds every ``<img>`` whose
``src`` is ``/static/demo/<name>.svg`` and writes ``site_core/static/demo/<name>.svg``:
an 800x450 soft gradient with the image's alt text centred. Standard library
only; the output is deterministic, so re-running it changes nothing.

    python site_core/demo/make_images.py
"""
from __future__ import annotations

import json
import textwrap
import zlib
from html import escape
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARTICLES = HERE / "articles.jsonl"
OUT_DIR = HERE.parent / "static" / "demo"
PREFIX = "/static/demo/"
WIDTH, HEIGHT = 800, 450

# (top-left, bottom-right) gradient stops: soft, dark enough for white text.
PALETTES = [
    ("#2f5d8a", "#6b9bc3"),
    ("#7a2e2e", "#b85c4f"),
    ("#2e6b5a", "#5fa38c"),
    ("#5a4a7a", "#8f7fb5"),
    ("#8a5a2b", "#c28e55"),
    ("#3d5a6b", "#7f9fae"),
]


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            attrs = dict(attrs)
            self.found.append((attrs.get("src") or "", attrs.get("alt") or ""))


def referenced_images(path: Path = ARTICLES) -> dict[str, str]:
    """``{file name: alt text}`` for every demo image the articles use."""
    images: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        parser = _Images()
        parser.feed(json.loads(line).get("body") or "")
        for src, alt in parser.found:
            if src.startswith(PREFIX) and src.endswith(".svg"):
                images.setdefault(src[len(PREFIX):], alt)
    return images


def render_svg(name: str, label: str) -> str:
    """One placeholder image: gradient, centred label, small "Ảnh minh họa" tag."""
    start, end = PALETTES[zlib.crc32(name.encode()) % len(PALETTES)]
    lines = textwrap.wrap(label or name, 38)[:4] or [name]
    size, leading = 28, 38
    top = HEIGHT / 2 - (len(lines) - 1) * leading / 2 + size / 3
    spans = "".join(
        f'<tspan x="400" y="{top + i * leading:.0f}">{escape(text, quote=False)}</tspan>'
        for i, text in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img">\n'
        f"<title>{escape(label or name, quote=False)}</title>\n"
        f'<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="{start}"/><stop offset="1" stop-color="{end}"/>'
        f"</linearGradient></defs>\n"
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="url(#g)"/>\n'
        f'<rect x="24" y="24" width="{WIDTH - 48}" height="{HEIGHT - 48}" fill="none" '
        f'stroke="#fff" stroke-opacity=".35" stroke-width="2"/>\n'
        f'<text font-family="sans-serif" font-size="{size}" fill="#fff" '
        f'text-anchor="middle">{spans}</text>\n'
        f'<text x="400" y="{HEIGHT - 48}" font-family="sans-serif" font-size="16" '
        f'fill="#fff" fill-opacity=".75" text-anchor="middle">Ảnh minh họa</text>\n'
        f"</svg>\n"
    )


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    images = referenced_images()
    for name, label in sorted(images.items()):
        (OUT_DIR / name).write_text(render_svg(name, label), encoding="utf-8", newline="\n")
    print(f"wrote {len(images)} images to {OUT_DIR}")


if __name__ == "__main__":
    main()
