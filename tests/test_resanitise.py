"""`flask resanitise`: stored bodies cleaned again after the allow-list narrows."""
import json

from site_core.articles import ArticleInput
from site_core.db import begin_write, db
from site_core.pages import save_page

IMAGE = "https://anh.example.vn/hoi-nghi.jpg"
BODY = f'<p>Hội nghị tổng kết năm học tại hội trường lớn.</p><p><img src="{IMAGE}" alt="Hội nghị"></p>'


def two_servers(install_plugin, site_app_factory, tmp_path, monkeypatch):
    """The site before (IMAGE_HOSTS allows the host) and after the admin took the host out."""
    monkeypatch.setenv("CHANGE_LOG", str(tmp_path / "changes.jsonl"))
    install_plugin("watcher", '''
import json, os
from site_core import hookimpl
SITE_CORE_API = "1.3"

@hookimpl
def site_article_changed(article, change):
    with open(os.environ["CHANGE_LOG"], "a") as handle:
        handle.write(json.dumps([change, article.slug]) + "\\n")
''')
    plugins = {"PLUGINS": {"enabled": ["watcher"]}}
    before = site_app_factory({**plugins, "IMAGE_HOSTS": ["anh.example.vn"]})
    after = site_app_factory({**plugins, "IMAGE_HOSTS": [],
                              "SQLALCHEMY_DATABASE_URI": before.config["SQLALCHEMY_DATABASE_URI"]})
    return before, after


def changes(tmp_path) -> list:
    log = tmp_path / "changes.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_images_from_a_host_taken_out_of_image_hosts_leave_every_stored_body(
        install_plugin, site_app_factory, make_article, tmp_path, monkeypatch):
    before, after = two_servers(install_plugin, site_app_factory, tmp_path, monkeypatch)
    made = make_article(before, title="Hội nghị tổng kết", body=BODY)
    edited = make_article(before, title="Tin có tóm tắt", body=BODY, summary="Tóm tắt của biên tập viên.")
    clean = make_article(before, title="Tin không ảnh", body="<p>Không có ảnh nào.</p>")
    with before.app_context():
        begin_write()
        save_page(ArticleInput(title="Giới thiệu", body=BODY))
        db.session.commit()
    reader = after.test_client()
    assert IMAGE in reader.get(f"/bai-viet/{made.slug}").text  # stored before: still there
    assert made.thumbnail == IMAGE and "hội trường" in made.summary
    log_before = changes(tmp_path)

    result = after.test_cli_runner().invoke(args=["resanitise"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"cleaned: article {made.slug}", f"cleaned: article {edited.slug}", "cleaned: page gioi-thieu",
        "4 bodies checked, 3 changed."]
    for path in (f"/bai-viet/{made.slug}", f"/bai-viet/{edited.slug}", "/trang/gioi-thieu"):
        page = reader.get(path).text
        assert "anh.example.vn" not in page and "Hội nghị tổng kết năm học" in page
    assert "anh.example.vn" not in reader.get("/").text  # the listing's thumbnail went too
    assert "Tóm tắt của biên tập viên." in reader.get(f"/bai-viet/{edited.slug}").text
    assert made.slug in reader.get("/tim-kiem?q=hội trường").text  # still found by its words
    assert changes(tmp_path)[len(log_before):] == [["updated", made.slug], ["updated", edited.slug]]
    again = after.test_cli_runner().invoke(args=["resanitise"])
    assert again.output == "4 bodies checked, 0 changed.\n"
    with after.app_context():
        from site_core.articles import Article

        untouched = db.session.get(Article, clean.id)
        assert untouched.updated_at == clean.updated_at


def test_a_dry_run_lists_what_would_change_and_changes_nothing(
        install_plugin, site_app_factory, make_article, tmp_path, monkeypatch):
    before, after = two_servers(install_plugin, site_app_factory, tmp_path, monkeypatch)
    made = make_article(before, title="Hội nghị tổng kết", body=BODY)
    log_before = changes(tmp_path)

    result = after.test_cli_runner().invoke(args=["resanitise", "--dry-run"])

    assert result.output == f"would change: article {made.slug}\n1 bodies checked, 1 would change.\n"
    assert IMAGE in after.test_client().get(f"/bai-viet/{made.slug}").text
    assert changes(tmp_path) == log_before


def test_the_demo_site_is_already_clean(site_app):
    runner = site_app.test_cli_runner()
    assert runner.invoke(args=["load-demo"]).exit_code == 0
    result = runner.invoke(args=["resanitise"])
    checked, _, rest = result.output.partition(" bodies checked, ")
    assert int(checked) > 0 and rest == "0 changed.\n"
