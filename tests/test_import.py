"""`flask import-articles`: JSON Lines and Markdown, reported per line, repeatable."""
import json

import sqlalchemy as sa

from site_core.articles import Article
from site_core.db import db


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
