"""The core's commands as an admin runs them."""
import json

from site_core import plugins


def test_init_db_is_safe_to_run_twice(site_app):
    runner = site_app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0 and "Database ready" in result.output


def test_every_command_is_registered_on_the_app(site_app):
    result = site_app.test_cli_runner().invoke(args=["--help"])
    for name in ("init-db", "load-demo", "import-articles", "delete-article", "plugins"):
        assert name in result.output


def test_plugins_command_says_when_nothing_is_installed_or_lists_the_rows(site_app):
    output = site_app.test_cli_runner().invoke(args=["plugins"]).output
    installed = plugins.get(site_app).installed
    if not installed:
        assert output.startswith("No plugins installed")
        return
    lines = output.splitlines()
    assert lines[0].split() == ["NAME", "VERSION", "DISTRIBUTION", "STATUS", "HOOKS"]
    assert [line.split()[0] for line in lines[1:]] == sorted(installed)


def test_delete_article_removes_it_and_tells_plugins(install_plugin, site_app_factory, make_article, tmp_path, monkeypatch):
    log = tmp_path / "changes.jsonl"
    monkeypatch.setenv("CHANGE_LOG", str(log))
    install_plugin("watcher", '''
import json, os
from site_core import hookimpl

@hookimpl
def site_article_changed(article, change):
    with open(os.environ["CHANGE_LOG"], "a") as handle:
        handle.write(json.dumps([change, article.slug, article.title, [t.name for t in article.tags]]) + "\\n")
''')
    app = site_app_factory({"PLUGINS": {"enabled": ["watcher"]}})
    make_article(app, title="Tin sẽ xoá", tags=["Thẻ"])
    runner = app.test_cli_runner()
    assert runner.invoke(args=["delete-article", "tin-se-xoa"]).output == "deleted: tin-se-xoa\n"
    assert app.test_client().get("/bai-viet/tin-se-xoa").status_code == 404
    changes = [json.loads(line) for line in log.read_text().splitlines()]
    assert changes == [["published", "tin-se-xoa", "Tin sẽ xoá", ["Thẻ"]],
                       ["deleted", "tin-se-xoa", "Tin sẽ xoá", ["Thẻ"]]]
    missing = runner.invoke(args=["delete-article", "tin-se-xoa"])
    assert missing.exit_code != 0 and "no article with slug 'tin-se-xoa'" in missing.output
