"""Tags and categories: one per name however it is typed; empty ones are not pages.

"Hoà bình" and "Hòa bình" (either tone-mark placement, composed or not) are
one tag. A database that already holds such duplicates is merged by the
migration, and the old URLs redirect (301) to the tag or category kept. A
tag or category without public articles answers 404, and the 404 page
keeps the side column.
"""
import datetime as dt
import unicodedata

import pytest
import sqlalchemy as sa

from site_core.cli import init_db
from site_core.content import normalise_name
from site_core.db import db

LATER = dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("typed, kept", [
    ("Hoà bình", "Hòa bình"), ("Hòa bình", "Hòa bình"),
    (unicodedata.normalize("NFD", "Hoà bình"), "Hòa bình"), ("  Hòa   bình ", "Hòa bình"),
    ("Thuỷ lợi", "Thủy lợi"), ("Uỷ ban nhân dân", "Ủy ban nhân dân"), ("Sức khoẻ", "Sức khỏe"),
    ("HOÀ GIẢI", "HÒA GIẢI"),
    # tone on the second vowel before a final consonant, and after "qu": one placement only
    ("Hoàng Văn Thụ", "Hoàng Văn Thụ"), ("Huỳnh", "Huỳnh"), ("Quý II", "Quý II"), ("Quỳnh Lưu", "Quỳnh Lưu"),
    ("Kế hoạch", "Kế hoạch"), ("Xoáy", "Xoáy"), ("Lý thuyết", "Lý thuyết"),
])
def test_a_name_has_one_spelling(typed, kept):
    assert normalise_name(typed) == kept
    assert unicodedata.is_normalized("NFC", normalise_name(typed))


def test_either_tone_placement_makes_one_tag(site_app, make_article):
    make_article(site_app, title="Ngày hội hoà bình", tags=["Hoà bình"], category="Tin tức")
    make_article(site_app, title="Hội thảo vì hòa bình", tags=["Hòa bình", "hòa  bình"], category="Tin  tức")
    client = site_app.test_client()
    page = client.get("/the/hoa-binh").get_data(as_text=True)
    assert "Ngày hội hoà bình" in page and "Hội thảo vì hòa bình" in page and "Thẻ: Hòa bình" in page
    assert client.get("/the/hoa-binh-2").status_code == 404
    assert client.get("/chuyen-muc/tin-tuc-2").status_code == 404
    article = client.get("/bai-viet/hoi-thao-vi-hoa-binh").get_data(as_text=True)
    assert article.count('href="/the/hoa-binh"') == 1


def test_the_upgrade_merges_duplicate_tags_and_categories_and_redirects_their_old_urls(old_site):
    app, (first, second) = old_site("site_core_0003", "Ngày hội hoà bình", "Hội thảo vì hòa bình")
    with app.app_context():  # what the site stored before names were normalised
        run = db.session.execute
        run(sa.text("INSERT INTO tags (id, name, slug) VALUES (1, 'Hoà bình', 'hoa-binh'), "
                    "(2, 'Hòa bình', 'hoa-binh-2'), (3, :nfd, 'hoa-binh-3'), (4, 'Thuỷ lợi', 'thuy-loi')"),
            {"nfd": unicodedata.normalize("NFD", "Hòa bình")})
        run(sa.text("INSERT INTO categories (id, name, slug) VALUES (1, 'Hoà nhập', 'hoa-nhap'), "
                    "(2, 'Hòa nhập', 'hoa-nhap-2')"))
        run(sa.text("INSERT INTO article_tags (article_id, tag_id) VALUES (:a, 1), (:a, 2), (:b, 3), (:b, 4)"),
            {"a": first, "b": second})
        run(sa.text("UPDATE articles SET category_id = 2 WHERE id = :b"), {"b": second})
        run(sa.text("UPDATE articles SET category_id = 1 WHERE id = :a"), {"a": first})
        db.session.commit()
        init_db()
        assert db.session.execute(sa.text("SELECT name FROM tags ORDER BY id")).scalars().all() \
            == ["Hòa bình", "Thủy lợi"]
        assert db.session.execute(sa.text("SELECT name FROM categories")).scalars().all() == ["Hòa nhập"]
    client = app.test_client()
    tag = client.get("/the/hoa-binh").get_data(as_text=True)
    assert "Ngày hội hoà bình" in tag and "Hội thảo vì hòa bình" in tag
    for old, new in [("/the/hoa-binh-2", "/the/hoa-binh"), ("/the/hoa-binh-3", "/the/hoa-binh"),
                     ("/chuyen-muc/hoa-nhap-2", "/chuyen-muc/hoa-nhap")]:
        response = client.get(old)
        assert response.status_code == 301 and response.location == new, old
        assert client.get(new).status_code == 200
    assert "Hội thảo vì hòa bình" in client.get("/chuyen-muc/hoa-nhap").get_data(as_text=True)
    assert client.get("/the/thuy-loi").status_code == 200


def test_a_new_tag_never_takes_a_retired_slug(old_site, make_article):
    app, _ = old_site("site_core_0003")
    with app.app_context():
        db.session.execute(sa.text("INSERT INTO tags (name, slug) VALUES ('Hoà bình', 'hoa-binh'), "
                                   "('Hòa bình', 'hoa-binh-2')"))
        db.session.commit()
        init_db()
    make_article(app, title="Bài một", tags=["Hòa bình"])
    make_article(app, title="Bài hai", tags=["Họa bình"])  # another word, the same slug
    client = app.test_client()
    assert client.get("/the/hoa-binh-2").location == "/the/hoa-binh"
    assert "Bài hai" in client.get("/the/hoa-binh-3").get_data(as_text=True)


def test_a_tag_or_category_without_public_articles_is_not_found(site_app, make_article):
    make_article(site_app, title="Bản nháp", tags=["Nháp"], category="Chờ duyệt", status="draft")
    make_article(site_app, title="Hẹn giờ", tags=["Sắp đăng"], category="Sắp tới", published_at=LATER)
    client = site_app.test_client()
    for url in ("/the/nhap", "/the/sap-dang", "/chuyen-muc/cho-duyet", "/chuyen-muc/sap-toi"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Chưa có bài viết" not in response.get_data(as_text=True)
    assert client.get("/").status_code == 200  # the home page of a new site is still a page


def test_a_category_without_published_articles_is_not_in_the_menu(site_app, make_article):
    make_article(site_app, title="Bản nháp", category="Chờ duyệt", status="draft")
    make_article(site_app, title="Tin mới", category="Tin tức")
    home = site_app.test_client().get("/").get_data(as_text=True)
    assert 'href="/chuyen-muc/tin-tuc"' in home and "/chuyen-muc/cho-duyet" not in home


SIDEBAR_PLUGIN = """
    from markupsafe import Markup
    from site_core import Widget, hookimpl

    @hookimpl
    def site_widgets():
        return [Widget(title="Liên kết", render=lambda page: Markup("<p>liên kết hữu ích</p>")),
                Widget(title="Hỏng", name="sidebar_broken", render=lambda page: 1 / 0)]
"""


def test_the_not_found_page_keeps_the_side_column(site_app_factory, install_plugin):
    install_plugin("sidebar", SIDEBAR_PLUGIN)
    app = site_app_factory({"PLUGINS": {"enabled": ["sidebar"]}})
    for url in ("/khong-co", "/bai-viet/khong-co", "/the/khong-co", "/?page=99"):
        response = app.test_client().get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 404, url
        assert '<section class="widget" data-widget="sidebar"' in html and "liên kết hữu ích" in html
        assert 'data-widget-error="sidebar_broken"' in html  # isolated, as on every page
