"""`flask import-articles`: JSON Lines and Markdown, reported per line, repeatable."""
import datetime as dt
import json

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings, strategies as st

from site_core.articles import Article, article_slug
from site_core.db import db
from site_core.importer import import_paths
from site_core.records import ImportProblem, parse_record


def write_jsonl(path, *records):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)
                              for r in records) + "\n", encoding="utf-8")
    return path


GOOD = {"title": "Hội nghị tổng kết năm học 2019-2020", "body": "<p>Nội dung <script>x()</script></p>",
        "summary": "Tóm tắt", "author": "ThS. Lê Văn A", "author_title": "Trưởng phòng",
        "category": "Tin hoạt động", "tags": ["Hội nghị", "Tổng kết"], "published_at": "2020-06-01T09:00:00+07:00"}


def run(app, *paths):
    return app.test_cli_runner().invoke(args=["import-articles", *map(str, paths)])


def articles(app):
    with app.app_context():
        return {a.slug: a for a in db.session.scalars(sa.select(Article))}


def test_a_good_file_imports_every_article_sanitised(site_app, tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", GOOD, {**GOOD, "title": "Bài thứ hai", "status": "draft"})
    result = run(site_app, source)
    assert result.exit_code == 0
    assert "created: 2, updated: 0, failed: 0" in result.output
    stored = articles(site_app)
    first = stored["hoi-nghi-tong-ket-nam-hoc-2019-2020"]
    assert first.body_html == "<p>Nội dung </p>"
    assert first.author == "ThS. Lê Văn A" and stored["bai-thu-hai"].status == "draft"


def test_bad_lines_are_reported_with_file_and_line_and_the_rest_still_import(site_app, tmp_path):
    source = write_jsonl(
        tmp_path / "mixed.jsonl",
        GOOD,
        "{not json",
        {"body": "<p>no title</p>"},
        {**GOOD, "title": "Sai ngày", "published_at": "02/03/2020"},
        {**GOOD, "title": "Không có múi giờ", "published_at": "2020-03-02T10:21:41"},
        {**GOOD, "title": "Sai trạng thái", "status": "secret"},
        {**GOOD, "title": "Sai thẻ", "tags": "một chuỗi"},
        {**GOOD, "title": "Trường lạ", "colour": "red"},
        ["not", "an", "object"],
        {**GOOD, "title": "Bài hợp lệ cuối"},
    )
    result = run(site_app, source)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{source}:2: invalid JSON" in result.output
    for number, reason in [(3, "title is required"), (4, "not ISO 8601"), (5, "needs a UTC offset"),
                           (6, "status must be one of"), (7, "tags must be a list"), (8, "unknown field 'colour'"),
                           (9, "expected a JSON object")]:
        assert any(line.startswith(f"{source}:{number}: ") and reason in line for line in lines), number
    assert "created: 2, updated: 0, failed: 8" in result.output
    assert set(articles(site_app)) == {"hoi-nghi-tong-ket-nam-hoc-2019-2020", "bai-hop-le-cuoi"}


def test_importing_the_same_file_again_updates_instead_of_duplicating(site_app, tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", GOOD)
    run(site_app, source)
    write_jsonl(source, {**GOOD, "summary": "Tóm tắt mới"})
    result = run(site_app, source)
    assert "created: 0, updated: 1, failed: 0" in result.output
    stored = articles(site_app)
    assert len(stored) == 1 and stored["hoi-nghi-tong-ket-nam-hoc-2019-2020"].summary == "Tóm tắt mới"


def test_a_given_slug_is_the_key_and_survives_a_title_change(site_app, tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", {**GOOD, "slug": "tong-ket-2020"})
    run(site_app, source)
    write_jsonl(source, {**GOOD, "slug": "tong-ket-2020", "title": "Tiêu đề đã sửa"})
    run(site_app, source)
    stored = articles(site_app)
    assert list(stored) == ["tong-ket-2020"] and stored["tong-ket-2020"].title == "Tiêu đề đã sửa"


def test_a_taken_slug_gets_a_suffix(site_app, make_article):
    first = make_article(site_app, title="Thông báo tuyển sinh")
    second = make_article(site_app, title="Thông báo: tuyển sinh!")
    assert (first.slug, second.slug) == ("thong-bao-tuyen-sinh", "thong-bao-tuyen-sinh-2")


def test_markdown_files_with_yaml_or_toml_front_matter(site_app, tmp_path):
    (tmp_path / "yaml.md").write_text(
        "---\ntitle: Lễ khai giảng\nauthor: Phòng Đào tạo\ntags: [Khai giảng]\n"
        "published_at: 2020-09-05T07:30:00+07:00\n---\n# Tin\n\nNăm học **mới** bắt đầu.\n", encoding="utf-8")
    (tmp_path / "toml.md").write_text(
        '+++\ntitle = "Hội thảo khoa học"\ncategory = "Nghiên cứu khoa học"\n'
        'published_at = 2020-10-01T08:00:00+07:00\n+++\nBáo cáo *đề dẫn*.\n', encoding="utf-8")
    (tmp_path / "broken.md").write_text("no front matter here\n", encoding="utf-8")
    result = run(site_app, tmp_path / "yaml.md", tmp_path / "toml.md", tmp_path / "broken.md")
    assert "created: 2, updated: 0, failed: 1" in result.output
    assert f"{tmp_path / 'broken.md'}:1: no front matter" in result.output
    stored = articles(site_app)
    assert "<strong>mới</strong>" in stored["le-khai-giang"].body_html
    assert stored["hoi-thao-khoa-hoc"].category.name == "Nghiên cứu khoa học"


def test_a_missing_file_is_reported_and_the_others_import(site_app, tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", GOOD)
    result = run(site_app, tmp_path / "missing.jsonl", source)
    assert f"{tmp_path / 'missing.jsonl'}:0: cannot read file" in result.output
    assert "created: 1" in result.output


def test_several_imports_at_once_all_land(site_app, tmp_path):
    import threading

    from site_core.importer import import_paths

    files = [write_jsonl(tmp_path / f"batch{n}.jsonl", *[{**GOOD, "title": f"Lô {n} bài {i}"} for i in range(6)])
             for n in range(3)]
    reports, start = [], threading.Barrier(len(files))

    def run_import(path):
        with site_app.app_context():
            start.wait()
            reports.append(import_paths([path]))

    threads = [threading.Thread(target=run_import, args=(path,)) for path in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.errors for r in reports] == [[], [], []]
    assert len(articles(site_app)) == 18


# --- every field checked before the database, the same on SQLite and PostgreSQL ---------

@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_app(request, site_app_factory):
    config = {"PLUGINS": {"enabled": []}}
    if request.param == "postgresql":
        config["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("pg_url")
    return site_app_factory(config)


REFUSED = [  # (record, reason): each of these once stopped an import or was stored on one database only
    ({**GOOD, "title": "Năm một", "published_at": "0001-01-01T00:00:00+07:00"}, "published_at must lie between"),
    ({**GOOD, "title": "Năm cuối", "published_at": "9999-12-31T23:00:00-05:00"}, "published_at must lie between"),
    ({**GOOD, "title": "ắ" * 501}, "title is 501 characters long; at most 500 fit"),
    ({**GOOD, "title": "Tác giả dài", "author": "a" * 201}, "author is 201 characters long; at most 200 fit"),
    ({**GOOD, "title": "Chức danh dài", "author_title": "b" * 301}, "author_title is 301 characters long"),
    ({**GOOD, "title": "Chuyên mục dài", "category": "c" * 201}, "category is 201 characters long"),
    ({**GOOD, "title": "Thẻ dài", "tags": ["ok", "t" * 201]}, "tags is 201 characters long"),
    ({**GOOD, "title": "Tiêu\x00đề"}, "title holds U+0000"),
    ({**GOOD, "title": "Tóm tắt NUL", "summary": "x\x00y"}, "summary holds U+0000"),
    ({**GOOD, "title": "Nội dung NUL", "body": "<p>x\x00y</p>"}, "body holds U+0000"),
    ({**GOOD, "title": "Đảo chiều \u202egpj.exe"}, "title holds U+202E (RIGHT-TO-LEFT OVERRIDE) at character 11"),
    ({**GOOD, "title": "Chuyên mục đảo", "category": "Tin \u2067tức"}, "category holds U+2067"),
    ({**GOOD, "title": "Thẻ đảo", "tags": ["\u202dThẻ"]}, "tags holds U+202D"),
    ({**GOOD, "title": "Mã thoát \x1b[31m"}, "title holds U+001B"),
    ({**GOOD, "title": "Xuống\ndòng"}, "title holds U+000A"),
    (json.dumps({**GOOD, "title": "Nửa ký tự \ud800"}), "title holds U+D800"),  # JSON's escape for half a character
    ({**GOOD, "title": "Ảnh dài", "body": f'<img src="/{"a" * 1000}.png">'}, "first image's address is 1005"),
]


def test_each_bad_field_is_reported_on_its_line_and_every_other_line_imports(any_db_app, tmp_path):
    lines = [line for n, (record, _) in enumerate(REFUSED) for line in (record, {**GOOD, "title": f"Bài tốt {n}"})]
    source = write_jsonl(tmp_path / "bad.jsonl", *lines)
    result = run(any_db_app, source)
    assert result.exit_code == 1 and "Traceback" not in result.output
    reported = [line for line in result.output.splitlines() if line.startswith(f"{source}:")]
    assert len(reported) == len(REFUSED)
    for n, (_, reason) in enumerate(REFUSED):
        assert reason in reported[n] and reported[n].startswith(f"{source}:{2 * n + 1}: "), reported[n]
    assert f"created: {len(REFUSED)}, updated: 0, failed: {len(REFUSED)}" in result.output
    assert set(articles(any_db_app)) == {f"bai-tot-{n}" for n in range(len(REFUSED))}


def test_values_as_long_as_their_columns_are_stored_whole(any_db_app, tmp_path):
    record = {**GOOD, "title": "ắ" * 500, "author": "Đ" * 200, "author_title": "ư" * 300, "category": "c" * 200,
              "tags": ["t" * 200], "summary": "Dòng một\nDòng\thai", "published_at": "1900-01-01T07:00:00+07:00"}
    result = run(any_db_app, write_jsonl(tmp_path / "long.jsonl", record))
    assert "created: 1, updated: 0, failed: 0" in result.output, result.output
    with any_db_app.app_context():
        stored = db.session.scalar(sa.select(Article))
        assert (stored.title, stored.author, stored.author_title) == (record["title"], record["author"],
                                                                      record["author_title"])
        assert stored.category.name == "c" * 200 and [t.name for t in stored.tags] == ["t" * 200]
        assert stored.summary == "Dòng một\nDòng\thai"


nasty = st.sampled_from(["\x00", "\u2028", "\u202e", "\u2066", "\u200f", "\x1b", "\x85", "\t", "\n", " ", "ắ", "Đ", "<b>", "\ufeff"])
texts = st.one_of(
    st.text(max_size=12),
    st.lists(nasty | st.text(max_size=3), max_size=6).map("".join),
    st.builds(lambda char, n: char * n, st.sampled_from(["a", "ắ", " x"]), st.integers(195, 505)),
)
offsets = st.sampled_from([dt.timezone.utc, dt.timezone(dt.timedelta(hours=7)), dt.timezone(dt.timedelta(hours=-12)),
                           dt.timezone(dt.timedelta(hours=14))])
records = st.fixed_dictionaries({"title": texts}, optional={
    "body": texts,
    "summary": texts, "author": texts, "author_title": texts, "category": texts, "slug": texts,
    "tags": st.lists(texts, max_size=3), "status": st.sampled_from(["published", "draft", "secret"]),
    "published_at": st.datetimes(timezones=offsets).map(dt.datetime.isoformat) | st.text(max_size=8),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record=records)
def test_any_record_is_stored_whole_or_refused_by_the_check_never_by_the_database(any_db_app, tmp_path, record):
    """Whatever the database, the check before it decides: nothing truncated, nothing raised."""
    with any_db_app.app_context():
        try:
            data, refusal = parse_record(record), None
        except ImportProblem as problem:
            data, refusal = None, str(problem)
        source = write_jsonl(tmp_path / "one.jsonl", record)
        report = import_paths([source])
        assert report.errors == ([f"{source}:1: {refusal}"] if refusal else [])
        if data is None:
            return
        stored = db.session.scalar(sa.select(Article).where(Article.slug == article_slug(data)))
        assert stored.title == record["title"].strip()
        assert (stored.author, stored.author_title) == ((record.get("author") or "").strip(),
                                                        (record.get("author_title") or "").strip())
        assert (stored.category.name if stored.category else None) == data.category
        assert {tag.name for tag in stored.tags} == {t.strip() for t in data.tags if t.strip()}
        if data.published_at:
            assert stored.published_at == data.published_at
        db.session.rollback()
