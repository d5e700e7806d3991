"""A reader finds the seed article on the home page and reads it, in a real browser."""
import re

import pytest

pytestmark = pytest.mark.browser

SEED_TITLE = ("Trường Chính trị tỉnh Thanh Hóa tổ chức tốt đại hội các chi bộ tiến tới "
              "Đại hội Đảng bộ Nhà trường lần thứ VIII nhiệm kỳ 2020-2025")
FIGURES = ["Đại hội Chi bộ Khoa Xây dựng Đảng nhiệm kỳ 2020 -2022",
           "Đại hội Chi bộ Phòng Tổ chức, hành chính, thông tin, tư liệu"]


def test_home_lists_the_seed_article_and_its_link_opens_it(reader, live_site):
    page = reader().page()
    page.goto(live_site("/"))
    link = page.get_by_role("main").get_by_role("link", name=SEED_TITLE, exact=True)
    assert link.count() == 1

    link.click()
    page.wait_for_url(re.compile(re.escape(live_site.seed_article) + r"$"))
    assert page.get_by_role("heading", level=1).inner_text() == SEED_TITLE
    assert page.title().startswith(SEED_TITLE)
    article = page.locator("main article")
    assert "Đăng lúc: 10:21:41 02/03/2020 (GMT+7)" in article.locator(".meta").inner_text()
    assert article.locator(".author-name").inner_text() == "TS. Thịnh Văn Khoa"
    assert article.locator(".author-title").inner_text() == "Phó Bí thư Đảng ủy, Phó Hiệu trưởng"


def test_both_figures_show_their_picture_and_caption(reader, live_site):
    page = reader().page()
    page.goto(live_site.seed_article)
    figures = page.locator("main article figure")
    assert figures.count() == 2
    for figure, caption in zip(figures.all(), FIGURES):
        assert figure.locator("figcaption").inner_text() == caption
        image = figure.locator("img")
        image.scroll_into_view_if_needed()
        assert image.get_attribute("alt") == caption
        loaded = image.evaluate("img => img.complete && img.naturalWidth > 0")
        assert loaded, f"{image.get_attribute('src')} did not load"
        box = image.bounding_box()
        assert box["width"] > 200 and box["height"] > 100, "the picture is shown at a readable size"


def test_unknown_article_gets_a_vietnamese_404_page_with_a_way_home(reader, live_site):
    page = reader().page()
    response = page.goto(live_site("/bai-viet/khong-co-bai-nay"))
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Không tìm thấy trang"
    page.get_by_role("link", name="Về trang chủ").click()
    page.wait_for_url(live_site("/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Tin mới nhất"
