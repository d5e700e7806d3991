"""The core's commands as an admin runs them."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from site_core import plugins


def test_init_db_is_safe_to_run_twice(site_app):
    runner = site_app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0 and "Database ready" in result.output


def test_every_command_is_registered_on_the_app(site_app):
    result = site_app.test_cli_runner().invoke(args=["--help"])
    for name in ("init-db", "load-demo", "import-articles", "delete-article", "resanitise", "search", "plugins"):
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


# --- the `flask` command as a new admin runs it ------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
FLASK = Path(sys.executable).with_name("flask")


def flask(instance: Path, *args: str, config: str | None = None, **environment: str):
    """Run the real ``flask`` command (``FLASK_APP`` = the repository's wsgi.py) in ``instance``."""
    if config is not None:
        (instance / "config.toml").write_text(config, encoding="utf-8")
    env = {name: value for name, value in os.environ.items() if not name.startswith(("FLASK_", "SITE_"))}
    env.update(FLASK_APP=str(ROOT / "wsgi.py"), SITE_INSTANCE_PATH=str(instance), **environment)
    command = [str(FLASK)] if FLASK.exists() else [sys.executable, "-m", "flask"]
    return subprocess.run(command + list(args), cwd=instance, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def instance(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    return folder


def test_help_lists_every_command_plugins_included_without_a_secret(instance, site_app_factory):
    app = site_app_factory({"PLUGINS": {}})  # every installed plugin, as a fresh site has them
    result = flask(instance, "--help")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    listed = {line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line.strip()}
    shown = {name for name, command in app.cli.commands.items() if not command.hidden}
    assert shown | {"routes", "run", "shell"} <= listed


def test_help_lists_each_plugin_group_once_and_old_names_still_work(instance, site_app_factory):
    app = site_app_factory({"PLUGINS": {}})
    listed = flask(instance, "--help").stdout.split("Commands:")[1]
    for new, old in [("visit_counter", "counter"), ("survey_poll", "poll"), ("related_news", "related")]:
        if new in app.cli.commands:
            assert f"  {new} " in listed and f"  {old} " not in listed
            assert flask(instance, old, "--help").returncode == 0


@pytest.mark.parametrize("command", [["plugins"], ["routes"], ["init-db"]])
def test_commands_that_sign_nothing_run_without_a_secret(instance, command):
    result = flask(instance, *command)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr


def test_serving_without_a_secret_stops_with_one_line(instance):
    result = flask(instance, "run", "--port", "9")  # never reaches the port
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: SECRET_KEY is required")


BROKEN = [
    ('MAX_FORM_PARTS = "lots"', "MAX_FORM_PARTS"),
    ('SITE_LOCALE = "xx_NOPE"', "SITE_LOCALE"),
    ("TRUSTED_HOSTS = 5", "TRUSTED_HOSTS"),
    ('SITE_TIMEZONE = "Asia/Hanoi_City"', "SITE_TIMEZONE"),
    ("PER_PAGEE = 3", "did you mean PER_PAGE"),
    ('SECRET_KEY = "dev"', "SECRET_KEY"),
    ("SITE_NAME = ", "not valid TOML"),
    ('[PLUGINS]\nenabled = ["no_such_widget"]', "no_such_widget"),
    ("[PLUGINS.visit_counter]\nno_such_setting = 1", "no_such_setting"),
]


@pytest.mark.parametrize("config, named, command", [(c, n, "plugins") for c, n in BROKEN] + [
    (BROKEN[0][0], BROKEN[0][1], "routes"), (BROKEN[0][0], BROKEN[0][1], "--help")])
def test_a_config_error_is_one_line_naming_the_key_and_exit_status_2(instance, config, named, command):
    if "visit_counter" in config and not importlib.util.find_spec("site_visit_counter"):
        pytest.skip("the visit counter is not installed")
    result = flask(instance, command, config=config)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ") and named in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_the_traceback_is_shown_with_debug(instance):
    result = flask(instance, "--debug", "plugins", config='MAX_FORM_PARTS = "lots"')
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "MAX_FORM_PARTS" in result.stderr.splitlines()[-1]
