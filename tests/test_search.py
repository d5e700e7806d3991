"""Search, as a reader meets it: a form in the header, a page of ranked results.

Diacritics and tone-mark placement never matter ("dai hoi chi bo" finds
"Đại hội chi bộ"; "hoà" finds "hòa"); the index follows every publish, edit,
unpublish and delete; whatever is typed gives results or a clear message,
never a server error. The same on SQLite (FTS5) and PostgreSQL.
"""
import datetime as dt
import re
from html import unescape as html_unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from site_core import clock, search, search_index
from site_core.articles import Article, ArticleInput, delete_article, save_article
from site_core.cli import init_db
from site_core.db import begin_write, db

UTC = dt.timezone.utc


def at(day: int) -> dt.datetime:
    return dt.datetime(2024, 5, day, 8, tzinfo=UTC)


def results(client, q, **params) -> list[str]:
    """The titles found for ``q``, in the order shown (marks removed)."""
    response = client.get("/tim-kiem", query_string={"q": q, **params})
    assert response.status_code == 200
    return [re.sub(r"</?mark>", "", t) for t in
            re.findall(r'<h2 class="card-title"><a href="/bai-viet/[^"]+">(.*?)</a></h2>',
                       response.get_data(as_text=True))]


def edit(app, slug: str, **changes) -> None:
    with app.app_context():
        begin_write()
        article = db.session.scalar(sa.select(Article).where(Article.slug == slug))
        fields = {"title": article.title, "body": article.body_html, "status": article.status,
                  "published_at": article.published_at, **changes}
        save_article(ArticleInput(**fields), article)
        db.session.commit()


def test_the_header_has_a_search_form_that_works_without_javascript(site_app, make_article):
    make_article(site_app, title="Đại hội chi bộ Khoa Lý luận cơ sở")
    client = site_app.test_client()
    home = client.get("/").get_data(as_text=True)
    header = re.search(r'<header class="site-header">.*?</header>', home, re.S).group()
    form = re.search(r'<form[^>]*method="get"[^>]*action="([^"]+)"[^>]*>(.*?)</form>', header, re.S)
    assert form and re.search(r'<input type="search"[^>]* name="q"', form.group(2))
    assert results(client, "dai hoi") == ["Đại hội chi bộ Khoa Lý luận cơ sở"]
    page = client.get(form.group(1), query_string={"q": "dai hoi"}).get_data(as_text=True)
    assert 'name="q" maxlength="200"' in page and 'value="dai hoi"' in page  # the form keeps the query


def test_diacritics_and_tone_placement_do_not_matter(site_app, make_article):
    make_article(site_app, title="Đại hội chi bộ Khoa Lý luận cơ sở", published_at=at(1))
    make_article(site_app, title="Hòa giải ở cơ sở", body="<p>Tổ hòa giải thôn.</p>", published_at=at(2))
    make_article(site_app, title="Hoà nhập cộng đồng", published_at=at(3))
    make_article(site_app, title="Hội thảo khoa học", published_at=at(4))
    client = site_app.test_client()
    for typed in ("dai hoi chi bo", "Đại hội chi bộ", "ĐẠI HỘI CHI BỘ", "đai hôi chi bô", "Dai   hoi, chi-bo!"):
        assert results(client, typed) == ["Đại hội chi bộ Khoa Lý luận cơ sở"], typed
    hoa = set(results(client, "hòa"))
    assert hoa == set(results(client, "hoà")) == set(results(client, "hoa")) \
        == {"Hòa giải ở cơ sở", "Hoà nhập cộng đồng"}


def test_results_are_ranked_title_first_then_newest(site_app, make_article):
    make_article(site_app, title="Tin trong tuần", body="<p>Có nói về kỷ niệm thành lập trường.</p>",
                 published_at=at(20))
    make_article(site_app, title="Kỷ niệm 75 năm thành lập trường", published_at=at(1))
    make_article(site_app, title="Thông báo nghỉ lễ", published_at=at(25))
    assert results(site_app.test_client(), "ky niem thanh lap") == [
        "Kỷ niệm 75 năm thành lập trường", "Tin trong tuần"]


def test_the_index_follows_publish_edit_unpublish_and_delete(site_app, make_article):
    client = site_app.test_client()
    make_article(site_app, title="Khai giảng lớp trung cấp", slug="khai-giang", status="draft")
    assert results(client, "khai giang") == []
    edit(site_app, "khai-giang", status="published")
    assert results(client, "khai giang") == ["Khai giảng lớp trung cấp"]
    edit(site_app, "khai-giang", title="Bế giảng lớp trung cấp")
    assert results(client, "khai giang") == [] and results(client, "be giang") == ["Bế giảng lớp trung cấp"]
    edit(site_app, "khai-giang", status="draft")
    assert results(client, "be giang") == []
    edit(site_app, "khai-giang", status="published")
    with site_app.app_context():
        begin_write()
        delete_article(db.session.scalar(sa.select(Article).where(Article.slug == "khai-giang")))
        db.session.commit()
    assert results(client, "be giang") == []


def test_a_scheduled_article_is_found_once_its_time_comes(site_app, make_article):
    make_article(site_app, title="Lễ tốt nghiệp", published_at=dt.datetime(2100, 1, 1, tzinfo=UTC))
    assert results(site_app.test_client(), "tot nghiep") == []
    clock.freeze(site_app, dt.datetime(2100, 1, 2, tzinfo=UTC))
    assert results(site_app.test_client(), "tot nghiep") == ["Lễ tốt nghiệp"]


def test_static_pages_are_not_search_results(site_app, make_article, tmp_path):
    (tmp_path / "p.jsonl").write_text('{"kind": "page", "title": "Giới thiệu nhà trường"}\n', encoding="utf-8")
    site_app.test_cli_runner().invoke(args=["import-articles", str(tmp_path / "p.jsonl")])
    make_article(site_app, title="Nhà trường đón khách")
    assert results(site_app.test_client(), "nha truong") == ["Nhà trường đón khách"]


@pytest.mark.parametrize("site_config", [{"PLUGINS": {"enabled": []}, "PER_PAGE": 5}])
def test_results_are_paginated_and_the_query_follows(site_app, make_article):
    for n in range(12):
        make_article(site_app, title=f"Hội nghị số {n}", published_at=at(n + 1))
    client = site_app.test_client()
    first = client.get("/tim-kiem?q=hoi+nghi").get_data(as_text=True)
    assert "12 bài viết có «hoi nghi»" in first
    assert results(client, "hoi nghi") == [f"Hội nghị số {n}" for n in (11, 10, 9, 8, 7)]
    following = urlsplit(html_unescape(re.search(r'rel="next" href="([^"]+)"', first).group(1)))
    assert following.path == "/tim-kiem" and parse_qs(following.query) == {"q": ["hoi nghi"], "page": ["2"]}
    assert results(client, "hoi nghi", page=3) == ["Hội nghị số 1", "Hội nghị số 0"]
    assert results(client, "hoi nghi", page=9) == []


@pytest.mark.parametrize("site_config", [{"PLUGINS": {"enabled": []}, "PER_PAGE": 5}])
def test_pages_run_from_title_matches_into_text_matches_without_gaps_or_repeats(site_app, make_article):
    titled = [make_article(site_app, title=f"Hội nghị số {n}", published_at=at(n + 1)).title for n in range(7)]
    texted = [make_article(site_app, title=f"Tin tuần {n}", body="<p>Đã họp hội nghị.</p>",
                           published_at=at(n + 10)).title for n in range(6)]
    make_article(site_app, title="Hội nghị chưa đăng", status="draft")
    make_article(site_app, title="Tin nháp", body="<p>Hội nghị sắp họp.</p>", status="draft")
    client = site_app.test_client()
    assert "13 bài viết có «hội nghị»" in client.get("/tim-kiem?q=hội+nghị").get_data(as_text=True)
    shown = [title for page in (1, 2, 3) for title in results(client, "hội nghị", page=page)]
    assert shown == titled[::-1] + texted[::-1]


def test_the_snippet_marks_the_words_as_written_and_escapes_the_text(site_app, make_article):
    make_article(site_app, title="Tổng kết <năm> học", summary="So sánh a < b & c: đại hội chi bộ thành công.",
                 body="<p>Nội dung.</p>")
    html = site_app.test_client().get("/tim-kiem?q=dai+hoi").get_data(as_text=True)
    snippet = re.search(r'<p class="summary">(.*?)</p>', html, re.S).group(1)
    assert snippet.startswith("So sánh a &lt; b &amp; c: <mark>đại</mark> <mark>hội</mark> chi bộ thành công.")
    assert "Tổng kết &lt;năm&gt; học" in html and "<năm>" not in html


def test_the_snippet_comes_from_the_body_when_the_summary_lacks_the_words(site_app, make_article):
    make_article(site_app, title="Tin tuần", summary="Tóm tắt ngắn.",
                 body="<p>Đầu bài.</p><p>Hội nghị quán triệt <b>Nghị quyết</b> Trung ương.</p>")
    html = site_app.test_client().get("/tim-kiem?q=nghi+quyet").get_data(as_text=True)
    snippet = re.search(r'<p class="summary">(.*?)</p>', html, re.S).group(1)
    assert "<mark>Nghị</mark> <mark>quyết</mark> Trung ương" in snippet and "Tóm tắt" not in snippet


ODD = ["", "   ", '"', "*", "NEAR(", "NEAR(dai hoi, 2)", "dai*", "-dai", "^dai", "title:dai", "dai OR hoi",
       "(dai", "x" * 1000, "đại hội " * 125, "'; DROP TABLE articles; --", "1' OR '1'='1", "%_%", "\\",
       "\x00", "dai\x00hoi", "<script>alert(1)</script>", "🙂", "a & b | !c <-> d:*"]


@pytest.mark.parametrize("q", ODD)
def test_odd_queries_get_results_or_a_clear_message(site_app, make_article, q):
    make_article(site_app, title="Đại hội chi bộ")
    response = site_app.test_client().get("/tim-kiem", query_string={"q": q})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'class="search-(count|notice)"', html)
    assert "<script>alert" not in html
    assert results(site_app.test_client(), "dai hoi") == ["Đại hội chi bộ"]  # nothing was dropped


def test_a_long_query_is_cut_and_the_reader_told(site_app, make_article):
    make_article(site_app, title="Đại hội chi bộ")
    html = site_app.test_client().get("/tim-kiem", query_string={"q": "đại hội " * 125}).get_data(as_text=True)
    assert "Từ khóa dài quá" in html and "1 bài viết có" in html


def test_upgrading_indexes_the_articles_already_there(old_site):
    app, _ = old_site("site_core_0004_pages_tags", "Đại hội chi bộ Khoa Lý luận", "Hội thảo khoa học")
    with app.app_context():
        init_db()
    assert results(app.test_client(), "dai hoi chi bo") == ["Đại hội chi bộ Khoa Lý luận"]


@pytest.mark.parametrize("site_config", [{"PLUGINS": {"enabled": []}, "PER_PAGE": 3}])
def test_past_the_results_a_query_reaches_the_count_says_more(site_app, make_article, monkeypatch):
    monkeypatch.setattr(search, "CAP", 5)  # 1,000 on a site
    for n in range(8):
        make_article(site_app, title=f"Hội nghị số {n}", published_at=at(n + 1))
    make_article(site_app, title="Hội nghị chưa đăng", status="draft")
    client = site_app.test_client()
    first = client.get("/tim-kiem?q=hoi+nghi").get_data(as_text=True)
    assert "Hơn 5 bài viết có «hoi nghi»" in first
    assert results(client, "hoi nghi") + results(client, "hoi nghi", page=2) == [
        f"Hội nghị số {n}" for n in (7, 6, 5, 4, 3)]
    assert 'rel="next"' not in client.get("/tim-kiem?q=hoi+nghi&page=2").get_data(as_text=True)
    make_article(site_app, title="Hội nghị năm nay", published_at=at(20))
    assert "1 bài viết có «hoi nghi nay»" in client.get("/tim-kiem?q=hoi+nghi+nay").get_data(as_text=True)


@pytest.mark.parametrize("site_config", [{"PLUGINS": {"enabled": []}, "PER_PAGE": 4}])
def test_a_tier_gives_the_same_pages_read_from_its_hits_or_along_the_listing(site_app, make_article, monkeypatch):
    for n in range(6):
        make_article(site_app, title=f"Hội nghị số {n}", published_at=at(2 * n + 1))
        make_article(site_app, title=f"Tin tuần {n}", body="<p>Đã họp hội nghị.</p>", published_at=at(2 * n + 2))
        make_article(site_app, title=f"Tin khác {n}", published_at=at(2 * n + 2))
    make_article(site_app, title="Tin nháp", body="<p>Hội nghị sắp họp.</p>", status="draft")
    client = site_app.test_client()

    def pages():
        return [results(client, "hoi nghi", page=page) for page in (1, 2, 3, 4)]

    monkeypatch.setattr(search, "FEW", 1000)
    from_hits = pages()
    monkeypatch.setattr(search, "FEW", 0)
    assert pages() == from_hits
    assert sum(from_hits, []) == [f"Hội nghị số {n}" for n in range(5, -1, -1)] + \
        [f"Tin tuần {n}" for n in range(5, -1, -1)]


def test_the_index_can_be_rebuilt_after_a_restore_left_it_empty_or_missing(site_app, make_article):
    make_article(site_app, title="Đại hội chi bộ Khoa Lý luận")
    make_article(site_app, title="Hội thảo khoa học", status="draft")
    client = site_app.test_client()
    for lose in ("DELETE FROM {}", "DROP TABLE {}"):
        with site_app.app_context():
            begin_write()
            table = search_index.NAMES[db.engine.dialect.name]
            db.session.connection().exec_driver_sql(lose.format(table))
            db.session.commit()
        if lose.startswith("DELETE"):
            assert results(client, "dai hoi") == []
        result = site_app.test_cli_runner().invoke(args=["search", "rebuild"])
        assert result.exit_code == 0 and "Search index rebuilt: 2 articles." in result.output
        assert results(client, "dai hoi") == ["Đại hội chi bộ Khoa Lý luận"]
        edit(site_app, "hoi-thao-khoa-hoc", status="published")  # the draft was indexed too
        assert results(client, "hoi thao") == ["Hội thảo khoa học"]
        edit(site_app, "hoi-thao-khoa-hoc", status="draft")
