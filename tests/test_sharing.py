"""Link previews: what Facebook, Zalo and X read from an article page."""
import datetime as dt
from html.parser import HTMLParser

VN = dt.timezone(dt.timedelta(hours=7))


class Head(HTMLParser):
    """``<meta property|name=… content=…>`` (repeated properties as lists) and the canonical link."""

    def __init__(self, html):
        super().__init__()
        self.meta, self.canonical = {}, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        key = attrs.get("property") or attrs.get("name")
        if tag == "meta" and key:
            self.meta.setdefault(key, []).append(attrs.get("content"))
        if tag == "link" and attrs.get("rel") == "canonical":
            self.canonical.append(attrs["href"])


def test_an_article_carries_opengraph_twitter_card_and_canonical_tags(site_app, make_article):
    make_article(site_app, title='Đại hội "chi bộ" <Khoa>', summary="Tóm tắt & nội dung chính.",
                 body='<p>x</p><figure><img src="/static/demo/chung.svg" alt="a"></figure>'
                      '<img src="/static/demo/other.svg" alt="b">',
                 published_at=dt.datetime(2020, 3, 2, 10, 21, 41, tzinfo=VN), category="Tin tức", tags=["Đại hội"])
    html = site_app.test_client().get("/bai-viet/dai-hoi-chi-bo-khoa").get_data(as_text=True)
    head = Head(html)
    url = "http://localhost/bai-viet/dai-hoi-chi-bo-khoa"
    assert head.canonical == [url]
    assert head.meta["og:type"] == ["article"] and head.meta["og:url"] == [url]
    assert head.meta["og:title"] == ['Đại hội "chi bộ" <Khoa>'] == head.meta["twitter:title"]
    assert head.meta["og:description"] == ["Tóm tắt & nội dung chính."] == head.meta["twitter:description"]
    assert head.meta["og:image"] == ["http://localhost/static/demo/chung.svg"] == head.meta["twitter:image"]
    assert head.meta["og:locale"] == ["vi_VN"]
    assert head.meta["article:published_time"] == ["2020-03-02T03:21:41+00:00"]
    assert head.meta["article:section"] == ["Tin tức"] and head.meta["article:tag"] == ["Đại hội"]
    assert head.meta["twitter:card"] == ["summary_large_image"]


def test_an_image_from_an_allowed_host_stays_on_that_host(site_app_factory, make_article):
    app = site_app_factory({"PLUGINS": {"enabled": []}, "IMAGE_HOSTS": ["anh.example.vn"]})
    make_article(app, title="Ảnh ngoài", body='<img src="https://anh.example.vn/a.jpg" alt="">')
    head = Head(app.test_client().get("/bai-viet/anh-ngoai", base_url="https://truong.example").get_data(as_text=True))
    assert head.meta["og:image"] == ["https://anh.example.vn/a.jpg"]
    assert head.canonical == ["https://truong.example/bai-viet/anh-ngoai"]


def test_an_article_without_a_figure_gets_a_plain_card_and_listings_get_no_article_tags(site_app, make_article):
    make_article(site_app, title="Thông báo", body="<p>Chỉ có chữ.</p>", category="Tin")
    client = site_app.test_client()
    head = Head(client.get("/bai-viet/thong-bao").get_data(as_text=True))
    assert "og:image" not in head.meta and head.meta["twitter:card"] == ["summary"]
    assert head.meta["og:description"] == ["Chỉ có chữ."]
    for url in ("/", "/chuyen-muc/tin"):
        head = Head(client.get(url).get_data(as_text=True))
        assert "og:type" not in head.meta and not head.canonical, url
