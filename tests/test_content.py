"""Article text: Vietnamese slugs and the HTML sanitiser (SECURITY.md part E)."""
import re
from html.parser import HTMLParser
from pathlib import Path

import nh3
import pytest
from hypothesis import example, given, settings, strategies as st

from site_core.content import ATTRIBUTES, TAGS, URL_SCHEMES, Sanitiser, first_image, slugify

clean = Sanitiser(image_hosts=["anh.thanhhoa.gov.vn"]).clean


@pytest.mark.parametrize("title, slug", [
    ("Trường Chính trị tỉnh Thanh Hóa tổ chức tốt đại hội các chi bộ",
     "truong-chinh-tri-tinh-thanh-hoa-to-chuc-tot-dai-hoi-cac-chi-bo"),
    ("ĐẢNG ỦY Khối – Đoàn thanh niên", "dang-uy-khoi-doan-thanh-nien"),
    ("Nghị quyết 106-KH/ĐUK (2019)", "nghi-quyet-106-kh-duk-2019"),
    ("  !!!  ", "bai-viet"),
])
def test_slugs_are_ascii_and_vietnamese_aware(title, slug):
    assert slugify(title) == slug


def test_long_titles_give_slugs_cut_at_a_word_boundary():
    slug = slugify("Đại hội " * 40)
    assert len(slug) <= 120 and not slug.endswith("-") and slug.endswith("hoi")


# --- sanitiser: what must go ---------------------------------------------------

PAYLOADS = [
    '<script>alert(1)</script><p>ok</p>',
    '<img src=x onerror=alert(1)>',
    '<img src="javascript:alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<svg onload=alert(1)><circle/></svg>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
    '<style>body{background:url(//evil)}</style><p style="color:red">x</p>',
    '<iframe src="https://evil.example"></iframe>',
    '<form action="//evil"><input name=a><button>go</button></form>',
    '<img srcset="javascript:alert(1) 1x" src="/a.png">',
    '<!--[if IE]><script>alert(1)</script><![endif]-->',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<p onclick="alert(1)" title="t" class="x" id="y">x</p>',
    '<img src="http://anh.thanhhoa.gov.vn/a.jpg">',
    '<img src="https://tracker.example/pixel.gif">',
    '<img src="//tracker.example/pixel.gif">',
]


class Structure(HTMLParser):
    """Parses output and records every element and attribute (a structural oracle)."""

    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def assert_only_allowed(html):
    parser = Structure()
    parser.feed(html)
    for tag, attrs in parser.elements:
        assert tag in TAGS, f"tag {tag} survived"
        allowed = ATTRIBUTES.get(tag, set()) | ATTRIBUTES["*"] | {"rel", "loading", "class"}
        assert set(attrs) <= allowed, f"{tag} kept {set(attrs) - allowed}"
        for name in ("href", "src", "cite"):
            value = attrs.get(name) or ""
            scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", value)
            assert scheme is None or scheme.group(1).lower() in URL_SCHEMES, f"{name}={value}"
            assert not re.search(r"[\x00-\x20]", value), f"{name}={value!r}"  # nothing a browser would drop
        if tag == "img" and attrs.get("src"):
            src = attrs["src"]
            assert "\\" not in src.split("?")[0], src  # a browser reads "\\" as "/"
            assert src.startswith("/") and not src.startswith("//") or src.startswith("https://anh.thanhhoa.gov.vn/")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_sanitiser_keeps_only_the_allow_list(payload):
    out = clean(payload)
    assert_only_allowed(out)
    assert "alert(1)</script>" not in out and "onerror" not in out.split("&")[0]


def test_scripts_event_handlers_and_javascript_urls_are_removed_but_text_kept():
    out = clean('<p onclick="x()">Xin chào <script>alert(1)</script><a href="javascript:alert(1)">liên kết</a></p>')
    assert out == '<p>Xin chào <a rel="noopener noreferrer nofollow">liên kết</a></p>'


def test_captioned_figures_tables_and_vietnamese_text_are_preserved():
    figure = ('<figure class="align-left"><img src="/static/demo/chung.svg" alt="Đại hội" width="640" height="360">'
              '<figcaption>Đại hội Chi bộ Khoa Xây dựng Đảng nhiệm kỳ 2020 -2022</figcaption></figure>')
    out = clean(figure)
    assert out == figure.replace('height="360">', 'height="360" loading="lazy">')
    table = ("<table><thead><tr><th scope=\"col\">Năm</th></tr></thead><tbody><tr><td>2020</td></tr></tbody></table>"
             "<blockquote><p>“Kiên định - Kỷ cương - Đoàn kết”</p></blockquote><ul><li>một</li></ul>")
    assert clean(table) == table


def test_image_sizes_must_be_numbers_and_figure_classes_are_filtered():
    out = clean('<figure class="align-left evil"><img src="/a.jpg" width="640" height="x"></figure>')
    assert out == '<figure class="align-left"><img src="/a.jpg" width="640" loading="lazy"></figure>'


def test_images_from_foreign_hosts_or_plain_http_lose_their_source():
    assert 'src=' not in clean('<img src="https://tracker.example/p.gif">')
    assert 'src=' not in clean('<img src="http://anh.thanhhoa.gov.vn/a.jpg">')
    assert 'src="https://anh.thanhhoa.gov.vn/a.jpg"' in clean('<img src="https://anh.thanhhoa.gov.vn/a.jpg">')


# What a browser makes of a URL (the WHATWG URL parser), where a naive parser reads another.
PARSER_CONFUSIONS = [
    ('<img src="/\\evil.example/a.png">', '<img loading="lazy">'),  # "/\\" is "//": another host
    ('<img src="/\\/evil.example/a.png">', '<img loading="lazy">'),  # so is "///"
    ('<img src="\\\\evil.example/a.png">', '<img loading="lazy">'),
    ('<img src="/\t/evil.example/a.png">', '<img loading="lazy">'),  # tabs and newlines are dropped
    ('<img src="/\n/evil.example/a.png">', '<img loading="lazy">'),
    ('<img src=" \x01//evil.example/a.png">', '<img loading="lazy">'),  # controls and spaces trimmed
    ('<img src="https://evil.example\\@anh.thanhhoa.gov.vn/a.png">', '<img loading="lazy">'),  # "\\" ends the host
    ('<img src="https://anh.thanhhoa.gov.vn@evil.example/a.png">', '<img loading="lazy">'),  # user info, not host
    ('<img src="https:evil.example/a.png">', '<img loading="lazy">'),  # no slashes, still a host
    ('<img src="HTTPS://EVIL.example/a.png">', '<img loading="lazy">'),
    ('<img src="https:\\\\anh.thanhhoa.gov.vn\\a.png">', '<img src="https://anh.thanhhoa.gov.vn/a.png" loading="lazy">'),
    ('<img src="/media\\a.png?v=\\1">', '<img src="/media/a.png?v=\\1" loading="lazy">'),  # the query keeps it
    ('<a href="java\tscript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
    ('<a href="\x01javascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
    ('<a href="&#x20;JaVaScRiPt:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
    ('<blockquote cite="javascript:alert(1)">x</blockquote>', '<blockquote>x</blockquote>'),
    # a percent-encoded colon is no scheme to a browser: a harmless relative link
    ('<a href="javascript%3Aalert(1)">x</a>', '<a href="javascript%3Aalert(1)" rel="noopener noreferrer nofollow">x</a>'),
    # a link may lead anywhere, but it is stored as the browser will follow it
    ('<a href="/\\evil.example">x</a>', '<a href="//evil.example" rel="noopener noreferrer nofollow">x</a>'),
]


@pytest.mark.parametrize("html, cleaned", PARSER_CONFUSIONS)
def test_urls_are_judged_and_kept_as_browsers_read_them(html, cleaned):
    assert clean(html) == cleaned


def test_the_listing_thumbnail_is_never_a_foreign_image(site_app, make_article):
    make_article(site_app, title="Ảnh lạ", body='<img src="/\\evil.example/a.png"><p>x</p><img src="/\\/evil.example/b.png">')
    make_article(site_app, title="Ảnh nhà", body='<img src="/\\/evil.example/a.png"><img src="/media/nha.png">')
    page = site_app.test_client().get("/").get_data(as_text=True)
    assert "evil.example" not in page and 'src="/media/nha.png"' in page


html_fragments = st.recursive(
    st.sampled_from(["chữ", "&lt;", "javascript:alert(1)", " ", "Đảng"]),
    lambda inner: st.tuples(
        st.sampled_from(["p", "a", "img", "script", "svg", "figure", "iframe", "style", "math", "b", "td"]),
        st.lists(st.sampled_from([
            ' onerror="alert(1)"', ' href="javascript:alert(1)"', ' src="jav&#x09;ascript:x"', ' style="x"',
            ' class="align-left"', ' href="/ok"', ' src="/\\evil.example/a.png"', ' src="/\t/evil.example/a.png"',
            ' href="java\nscript:alert(1)"', ' cite="\x01javascript:x"', ' src="https://evil.example/a.png"',
            ' alt="Đảng"', ' loading="eager"', ' width="x"']), max_size=3).map("".join),
        st.lists(inner, max_size=3),
    ).map(lambda t: f"<{t[0]}{t[1]}>{''.join(t[2])}</{t[0]}>"),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(html_fragments)
@example('<img src="https://evil.example/a.png" alt="Đảng">')  # a dropped attribute before a kept one
def test_generated_html_is_always_clean_and_cleaning_is_idempotent(html):
    out = clean(html)
    assert_only_allowed(out)
    assert clean(out) == out


def test_a_conflicting_cleaner_configuration_fails_when_built_not_per_request():
    with pytest.raises(BaseException):  # nh3 panics: a BaseException, not an Exception
        cleaner = nh3.Cleaner(tags={"figure"}, attributes={"figure": {"class"}},
                              allowed_classes={"figure": {"a"}})
        cleaner.clean('<figure class="a">x</figure>')


def test_the_first_image_is_the_thumbnail():
    assert first_image('<p>x</p><figure><img src="/one.svg"></figure><img src="/two.svg">') == "/one.svg"
    assert first_image("<p>no image</p>") is None


def test_only_the_sanitised_body_is_ever_marked_safe_in_templates():
    templates = Path(__file__).parents[1] / "site_core" / "templates"
    uses = sorted((p.name, m) for p in templates.rglob("*.html")
                  for m in re.findall(r"\{\{[^}]*\|\s*safe[^}]*\}\}", p.read_text()))
    assert uses == [("article.html", "{{ article.body_html|safe }}"),  # articles' and pages' bodies
                    ("page.html", "{{ static_page.body_html|safe }}")]
