"""The plugin system, through real entry points: what admins and widget authors see."""
import logging
import re
import sys
from pathlib import Path

import pytest

from site_core.config import ConfigError
from site_core.plugins import PluginError
from site_core.settings import SettingError

WIDGET = '''
from site_core import Widget, hookimpl

@hookimpl
def site_widgets(plugin):
    return [Widget(title="{title}", render=lambda page: "{text}", position={position})]
'''


LENIENT = {"PLUGINS_STRICT": False}  # failures are left out and reported, as on a site


def widget_plugin(install_plugin, name, title=None, text=None, position=100, **kwargs):
    return install_plugin(name, WIDGET.format(title=title or name.title(), text=text or f"{name} body",
                                              position=position), **kwargs)


def sidebar_order(html):
    import re
    return re.findall(r'data-widget="([a-z_]+)"', html)


def test_an_installed_enabled_plugin_shows_its_widget_in_the_configured_order(install_plugin, site_app_factory):
    widget_plugin(install_plugin, "alpha")
    widget_plugin(install_plugin, "beta")
    app = site_app_factory({"PLUGINS": {"enabled": ["beta", "alpha"]}})
    html = app.test_client().get("/").get_data(as_text=True)
    assert sidebar_order(html) == ["beta", "alpha"]
    assert '<section class="widget" data-widget="beta"' in html


def test_without_lists_every_plugin_is_on_ordered_by_position_then_name(install_plugin, site_app_factory):
    widget_plugin(install_plugin, "zulu", position=10)
    widget_plugin(install_plugin, "alpha", position=50)
    widget_plugin(install_plugin, "beta", position=50)
    app = site_app_factory({"PLUGINS": {}})
    order = [n for n in sidebar_order(app.test_client().get("/").get_data(as_text=True))
             if n in ("zulu", "alpha", "beta")]
    assert order == ["zulu", "alpha", "beta"]


def test_a_disabled_plugin_is_absent_its_routes_gone_and_never_imported(install_plugin, site_app_factory):
    module = install_plugin("gamma", '''
from site_core import Widget, hookimpl

@hookimpl
def site_setup(plugin):
    plugin.blueprint.add_url_rule("/hello", "hello", lambda: "hi")

@hookimpl
def site_widgets(plugin):
    return [Widget(title="Gamma", render=lambda page: "gamma")]
''')
    on = site_app_factory({"PLUGINS": {"enabled": ["gamma"]}})
    assert on.test_client().get("/gamma/hello").data == b"hi"
    del sys.modules[module]
    off = site_app_factory({"PLUGINS": {"disabled": ["gamma"], "enabled": ["gamma"]}})
    client = off.test_client()
    assert client.get("/gamma/hello").status_code == 404
    assert "gamma" not in sidebar_order(client.get("/").get_data(as_text=True))
    assert module not in sys.modules


def test_a_plugin_named_in_config_but_not_installed_stops_startup_listing_installed(install_plugin, site_app_factory):
    widget_plugin(install_plugin, "alpha")
    with pytest.raises(ConfigError, match=r"'nope' is not installed \(installed: .*alpha"):
        site_app_factory({"PLUGINS": {"enabled": ["nope"]}})
    with pytest.raises(ConfigError, match="nope"):
        site_app_factory({"PLUGINS": {"nope": {"x": 1}}})


def test_a_plugin_broken_at_import_is_left_out_and_reported(install_plugin, site_app_factory, caplog):
    install_plugin("broken", "raise RuntimeError('boom at import')", distribution="fake-broken-dist")
    widget_plugin(install_plugin, "alpha")
    app = site_app_factory({**LENIENT, "PLUGINS": {"enabled": ["broken", "alpha"]}})
    assert app.test_client().get("/").status_code == 200
    assert sidebar_order(app.test_client().get("/").get_data(as_text=True)) == ["alpha"]
    record = next(r for r in caplog.records if "broken" in r.getMessage())
    assert record.levelno == logging.ERROR and "fake-broken-dist" in record.getMessage()
    output = app.test_cli_runner().invoke(args=["plugins"]).output
    assert "failed (import failed: RuntimeError: boom at import)" in output


@pytest.mark.parametrize("code", ["import no_such_module_xyz", "def (:\n"])
def test_import_and_syntax_errors_are_isolated_too(install_plugin, site_app_factory, code):
    install_plugin("broken", code)
    app = site_app_factory({**LENIENT, "PLUGINS": {"enabled": ["broken"]}})
    assert app.test_client().get("/").status_code == 200


def test_strict_mode_turns_a_broken_plugin_into_a_startup_error(install_plugin, site_app_factory):
    install_plugin("broken", "raise ImportError('missing dependency')")
    with pytest.raises(PluginError, match="broken: import failed: ImportError: missing dependency"):
        site_app_factory({"PLUGINS_STRICT": True, "PLUGINS": {"enabled": ["broken"]}})


def test_a_plugin_whose_setup_raises_is_left_out(install_plugin, site_app_factory, caplog):
    install_plugin("shaky", '''
from site_core import Widget, hookimpl

@hookimpl
def site_setup(app):
    raise ValueError("cannot reach the partner API")

@hookimpl
def site_widgets():
    return [Widget(title="Shaky", render=lambda page: "x")]
''')
    widget_plugin(install_plugin, "alpha")
    app = site_app_factory({**LENIENT, "PLUGINS": {"enabled": ["shaky", "alpha"]}})
    assert sidebar_order(app.test_client().get("/").get_data(as_text=True)) == ["alpha"]
    assert "setup failed: ValueError: cannot reach the partner API" in app.test_cli_runner().invoke(args=["plugins"]).output
    assert any("shaky" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


def test_a_misspelled_hook_marks_the_plugin_failed(install_plugin, site_app_factory):
    install_plugin("typo", '''
from site_core import hookimpl

@hookimpl
def site_widget(plugin):
    return []
''')
    app = site_app_factory({**LENIENT, "PLUGINS": {"enabled": ["typo"]}})
    output = app.test_cli_runner().invoke(args=["plugins"]).output
    assert "unknown hook" in output and "site_widget" in output


def test_a_widget_that_raises_is_replaced_by_a_hidden_marker(install_plugin, site_app_factory, caplog):
    install_plugin("crashy", '''
from site_core import Widget, hookimpl

def fail(page):
    raise ZeroDivisionError("widget bug")

@hookimpl
def site_widgets():
    return [Widget(title="Crashy", render=fail)]
''')
    widget_plugin(install_plugin, "alpha")
    app = site_app_factory({"PLUGINS": {"enabled": ["crashy", "alpha"]}})
    response = app.test_client().get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<div hidden data-widget-error="crashy"></div>' in html
    assert 'data-widget="alpha"' in html and "Crashy" not in html
    assert any("crashy" in r.getMessage() and r.exc_info for r in caplog.records)


def test_a_widget_database_error_is_rolled_back_and_the_page_still_works(install_plugin, site_app_factory, make_article):
    install_plugin("badsql", '''
from site_core import Widget, hookimpl
from site_core.db import db

def query(page):
    db.session.execute(db.text("SELECT * FROM no_such_table"))

@hookimpl
def site_widgets():
    return [Widget(title="Bad SQL", render=query, position=1)]
''')
    widget_plugin(install_plugin, "alpha", position=2)
    app = site_app_factory({"PLUGINS": {"enabled": ["badsql", "alpha"]}})
    article = make_article(app, title="Bài viết sau lỗi", body="<p>Nội dung</p>")
    response = app.test_client().get(f"/bai-viet/{article.slug}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-widget-error="badsql"' in html and 'data-widget="alpha"' in html
    assert "Bài viết sau lỗi" in html


def test_a_widget_returning_a_plain_string_is_escaped_not_injected(install_plugin, site_app_factory):
    widget_plugin(install_plugin, "sneaky", text="<script>alert(1)</script>")
    app = site_app_factory({"PLUGINS": {"enabled": ["sneaky"]}})
    html = app.test_client().get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_widget_returning_a_wrong_type_is_rejected(install_plugin, site_app_factory):
    install_plugin("wrongtype", '''
from site_core import Widget, hookimpl

@hookimpl
def site_widgets():
    return [Widget(title="Wrong", render=lambda page: {"html": "<b>x</b>"})]
''')
    app = site_app_factory({"PLUGINS": {"enabled": ["wrongtype"]}})
    assert 'data-widget-error="wrongtype"' in app.test_client().get("/").get_data(as_text=True)


def test_two_distributions_claiming_one_name_are_rejected(install_plugin, site_app_factory, caplog):
    widget_plugin(install_plugin, "twin", distribution="fake-twin-one")
    widget_plugin(install_plugin, "twin", distribution="fake-twin-two")
    app = site_app_factory({**LENIENT, "PLUGINS": {"enabled": ["twin"]}})
    assert "twin" not in sidebar_order(app.test_client().get("/").get_data(as_text=True))
    assert any("several distributions" in r.getMessage() for r in caplog.records)


SETTINGS = '''
from site_core import Setting, Widget, hookimpl

@hookimpl
def site_plugin_settings():
    return {"limit": 5, "mode": Setting("server", choices=("server", "beacon")), "title": "Hộp"}

@hookimpl
def site_widgets(plugin):
    s = plugin.settings
    return [Widget(title=s["title"], render=lambda page: f"{s['limit']} {s['mode']}")]
'''


def test_plugin_settings_have_defaults_and_admin_values(install_plugin, site_app_factory):
    install_plugin("box", SETTINGS)
    app = site_app_factory({"PLUGINS": {"enabled": ["box"], "box": {"limit": 9}}})
    assert "9 server" in app.test_client().get("/").get_data(as_text=True)


@pytest.mark.parametrize("given, message", [
    ({"limit": "5"}, r"\[PLUGINS.box\] limit must be an integer"),
    ({"limit": True}, r"\[PLUGINS.box\] limit must be an integer"),
    ({"mode": "push"}, r"\[PLUGINS.box\] mode must be one of 'server', 'beacon'"),
    ({"colour": "red"}, r"\[PLUGINS.box\] unknown setting 'colour'"),
])
def test_a_wrong_setting_stops_startup_naming_plugin_and_key(install_plugin, site_app_factory, given, message):
    install_plugin("box", SETTINGS)
    with pytest.raises(SettingError, match=message):
        site_app_factory({"PLUGINS": {"enabled": ["box"], "box": given}})


def test_a_disabled_plugins_settings_are_not_validated(install_plugin, site_app_factory):
    install_plugin("box", SETTINGS)
    app = site_app_factory({"PLUGINS": {"disabled": ["box"], "box": {"colour": "red"}}})
    assert app.test_client().get("/").status_code == 200


def test_safe_mode_starts_without_importing_any_plugin(install_plugin, site_app_factory, monkeypatch):
    module = widget_plugin(install_plugin, "alpha")
    monkeypatch.setenv("SITE_SAFE_MODE", "1")
    app = site_app_factory({"PLUGINS": {"enabled": ["alpha"]}})
    assert sidebar_order(app.test_client().get("/").get_data(as_text=True)) == []
    assert module not in sys.modules


def test_plugins_command_lists_enabled_disabled_and_failed(install_plugin, site_app_factory):
    widget_plugin(install_plugin, "alpha", version="2.3.1")
    widget_plugin(install_plugin, "beta")
    install_plugin("broken", "raise RuntimeError('x')")
    app = site_app_factory({**LENIENT, "PLUGINS": {"enabled": ["alpha", "broken"]}})
    lines = {line.split()[0]: line for line in app.test_cli_runner().invoke(args=["plugins"]).output.splitlines()}
    assert "2.3.1" in lines["alpha"] and "fake-alpha" in lines["alpha"] and " enabled " in lines["alpha"]
    assert "site_widgets" in lines["alpha"]
    assert " disabled " in lines["beta"] and "1.0" in lines["beta"]
    assert "failed (import failed" in lines["broken"]


def test_plugins_json_is_published_in_testing_but_not_in_production(install_plugin, site_app_factory):
    widget_plugin(install_plugin, "alpha")
    testing = site_app_factory({"PLUGINS": {"enabled": ["alpha"]}})
    data = testing.test_client().get("/-/plugins.json").get_json()
    alpha = next(p for p in data["plugins"] if p["name"] == "alpha")
    assert alpha["status"] == "enabled" and alpha["hooks"] == ["site_widgets"] and alpha["version"] == "1.0"
    assert "alpha;dur=" in testing.test_client().get("/").headers["Server-Timing"]

    production = site_app_factory({"TESTING": False, "PLUGINS": {"enabled": ["alpha"]}})
    assert production.test_client().get("/-/plugins.json").status_code == 404
    assert "Server-Timing" not in production.test_client().get("/").headers

    opted_in = site_app_factory({"TESTING": False, "PLUGINS_INTROSPECTION": True, "PLUGINS": {"enabled": ["alpha"]}})
    assert opted_in.test_client().get("/-/plugins.json").status_code == 200
    assert "alpha;dur=" in opted_in.test_client().get("/").headers["Server-Timing"]


def test_enable_and_disable_edit_the_config_file_keeping_comments(install_plugin, site_app_factory):
    widget_plugin(install_plugin, "alpha")
    widget_plugin(install_plugin, "beta")
    app = site_app_factory({})
    config = __import__("pathlib").Path(app.instance_path) / "config.toml"
    config.write_text('# Site settings\nSITE_NAME = "Trường"  # shown in the header\n\n'
                      '[PLUGINS]\n# the sidebar, top to bottom\nenabled = ["alpha"]\n', encoding="utf-8")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["plugins", "enable", "beta"]).exit_code == 0
    assert runner.invoke(args=["plugins", "disable", "alpha"]).exit_code == 0
    text = config.read_text(encoding="utf-8")
    assert "# Site settings" in text and "# shown in the header" in text and "# the sidebar, top to bottom" in text
    import tomllib
    plugins = tomllib.loads(text)["PLUGINS"]
    assert plugins["enabled"] == ["beta"] and plugins["disabled"] == ["alpha"]
    result = runner.invoke(args=["plugins", "enable", "nope"])
    assert result.exit_code != 0 and "not installed" in result.output


def test_a_plugin_written_before_1_0_still_registers_cli_commands_on_the_app_with_a_warning(install_plugin, site_app_factory):
    install_plugin("tools", '''
import click
from site_core import hookimpl

@hookimpl
def site_setup(app):
    @app.cli.command("tools-hello")
    def hello():
        click.echo("xin chào")
''')
    with pytest.warns(DeprecationWarning, match="registered CLI command 'tools-hello' on the app directly"):
        app = site_app_factory({"PLUGINS": {"enabled": ["tools"]}})
    assert app.test_cli_runner().invoke(args=["tools-hello"]).output == "xin chào\n"


def test_plugin_templates_and_static_files_live_under_its_name(install_plugin, site_app_factory, tmp_path):
    install_plugin("themed", '''
from site_core import Widget, hookimpl

@hookimpl
def site_widgets():
    return [Widget(title="Themed", template="themed/widget.html", context=lambda page: {"n": 3})]

@hookimpl
def site_assets():
    return ["themed.css", "themed.js"]
''', templates={"themed/widget.html": "<p class=plugin>{{ n }} from plugin</p>"},
        static={"themed.css": ".x{}", "themed.js": "void 0;"})
    app = site_app_factory({"PLUGINS": {"enabled": ["themed"]}})
    client = app.test_client()
    html = client.get("/").get_data(as_text=True)
    assert "3 from plugin" in html
    assert '<link rel="stylesheet" href="/themed/static/themed.css">' in html
    assert '<script src="/themed/static/themed.js" defer></script>' in html
    assert client.get("/themed/static/themed.css").data == b".x{}"

    theme = tmp_path / "themed-site"
    (theme / "templates" / "themed").mkdir(parents=True)
    (theme / "templates" / "themed" / "widget.html").write_text("<p>{{ n }} from the site theme</p>")
    themed = site_app_factory({"PLUGINS": {"enabled": ["themed"]}}, instance=theme)
    assert "3 from the site theme" in themed.test_client().get("/").get_data(as_text=True)


# --- registration that cannot half-happen -----------------------------------------------------

REGISTERS_EVERYTHING_THEN_FAILS = '''
import click
from site_core.api import hookimpl

SITE_CORE_API = "1.0"

def stamp(response):
    response.headers["X-Half"] = "live"
    return response

def boom():
    raise RuntimeError("a half-registered hook ran")

@hookimpl
def site_setup(app, plugin):
    plugin.blueprint.add_url_rule("/page", "page", lambda: "half")
    if {legacy}:
        app.after_request(stamp)
        app.before_request(boom)
        app.teardown_request(lambda error: boom())
        app.cli.add_command(click.Command("half-cmd", callback=lambda: click.echo("half")))
        app.add_template_global(lambda: "half", "half_global")
        app.add_template_filter(lambda v: "half", "half_filter")
    else:
        plugin.after_request(stamp)
        plugin.before_request(boom)
        plugin.teardown_request(lambda error: boom())
        plugin.add_command(click.Command("half-cmd", callback=lambda: click.echo("half")))
        plugin.template_global(lambda: "half", "half_global")
        plugin.template_filter(lambda v: "half", "half_filter")
    raise RuntimeError("set-up failed after registering")
'''


@pytest.mark.parametrize("legacy", [False, True], ids=["declared", "registered-on-app"])
def test_a_plugin_that_fails_after_registering_every_kind_leaves_nothing_live(install_plugin, site_app_factory, legacy):
    install_plugin("half", REGISTERS_EVERYTHING_THEN_FAILS.format(legacy=legacy))
    app = site_app_factory({**LENIENT, "PLUGINS": {"enabled": ["half"]}})
    client = app.test_client()
    home = client.get("/")
    assert home.status_code == 200 and "X-Half" not in home.headers
    assert client.get("/half/page").status_code == 404
    assert client.get("/static/site.css").status_code == 200
    assert "half-cmd" not in app.cli.commands
    assert "No such command" in app.test_cli_runner().invoke(args=["half-cmd"]).output
    assert "half_global" not in app.jinja_env.globals and "half_filter" not in app.jinja_env.filters
    assert "setup failed: RuntimeError: set-up failed after registering" in \
        app.test_cli_runner().invoke(args=["plugins"]).output


def test_what_a_plugin_declares_is_live_once_its_set_up_succeeded(install_plugin, site_app_factory):
    install_plugin("whole", '''
import click
from site_core.api import Widget, hookimpl

SITE_CORE_API = "1.0"

def mark(response):
    response.headers["X-Whole"] = "yes"
    return response

@hookimpl
def site_setup(plugin):
    plugin.blueprint.add_url_rule("/page", "page", lambda: "whole page")
    plugin.after_request(mark)
    plugin.add_command(click.Command("whole-cmd", callback=lambda: click.echo("whole")))
    plugin.template_filter(lambda text: text.upper(), "shout")

@hookimpl
def site_widgets():
    return [Widget(title="Whole", template="whole/widget.html")]
''', templates={"whole/widget.html": "{{ 'xin chào' | shout }}"})
    app = site_app_factory({"PLUGINS": {"enabled": ["whole"]}})
    client = app.test_client()
    home = client.get("/")
    assert home.headers["X-Whole"] == "yes" and "XIN CHÀO" in home.get_data(as_text=True)
    assert client.get("/whole/page").data == b"whole page"
    assert app.test_cli_runner().invoke(args=["whole-cmd"]).output == "whole\n"


def test_a_plugin_may_not_take_a_name_the_core_uses(install_plugin, site_app_factory):
    install_plugin("grabby", '''
import click
from site_core.api import hookimpl

@hookimpl
def site_setup(plugin):
    plugin.add_command(click.Command("init-db", callback=lambda: click.echo("mine now")))
''')
    app = site_app_factory({**LENIENT, "PLUGINS": {"enabled": ["grabby"]}})
    assert "CLI command 'init-db' already exists" in app.test_cli_runner().invoke(args=["plugins"]).output
    assert "mine now" not in app.test_cli_runner().invoke(args=["init-db"]).output


# --- isolation while serving ------------------------------------------------------------------

FAILS_ON_EVERY_REQUEST = '''
from site_core.api import Widget, hookimpl

def explode(*args):
    raise ZeroDivisionError("plugin bug")

@hookimpl
def site_setup(plugin):
    plugin.before_request(explode)
    plugin.after_request(explode)
    plugin.after_request(lambda response: None)  # forgets to hand the response on
    plugin.template_global(explode, "explode")

@hookimpl
def site_widgets():
    return [Widget(title="Uses a helper", template="flaky/widget.html")]
'''


def test_request_hooks_and_helpers_that_raise_never_fail_a_page_and_are_logged_once_a_minute(
        install_plugin, site_app_factory, make_article, caplog):
    from site_core import plugins

    install_plugin("flaky", FAILS_ON_EVERY_REQUEST, templates={"flaky/widget.html": "<p>{{ explode() }}</p>"})
    app = site_app_factory({"PLUGINS": {"enabled": ["flaky"]}})
    now = [1000.0]
    plugins.get(app).failures.clock = lambda: now[0]
    article = make_article(app, title="Tin vẫn hiện")
    client = app.test_client()
    for _ in range(5):
        assert client.get("/").status_code == 200
    assert client.get(f"/bai-viet/{article.slug}").status_code == 200
    assert client.get("/khong-co-trang-nay").status_code == 404
    assert client.get("/static/site.css").status_code == 200
    reports = [r for r in caplog.records if "after_request explode" in r.getMessage()]
    assert len(reports) == 1 and reports[0].exc_info  # the first, with its traceback
    now[0] += 61
    client.get("/")
    reports = [r for r in caplog.records if "after_request explode" in r.getMessage()]
    assert len(reports) == 2 and not reports[1].exc_info
    assert "8 times in the last 61 s" in reports[1].getMessage()


def test_an_event_hook_that_raises_does_not_stop_the_others(install_plugin, site_app_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("VIEWS_LOG", str(tmp_path / "views"))
    install_plugin("first", '''
from site_core.api import hookimpl

@hookimpl(tryfirst=True)
def site_page_view():
    raise RuntimeError("first fails")
''')
    for name, order in (("late", "trylast=True"), ("early", "tryfirst=True")):
        install_plugin(name, f'''
import os
from site_core.api import hookimpl

@hookimpl({order})
def site_page_view(plugin):
    with open(os.environ["VIEWS_LOG"], "a") as log:
        log.write(plugin.name + "\\n")
''')
    app = site_app_factory({"PLUGINS": {"enabled": ["late", "first", "early"]}})
    assert app.test_client().get("/").status_code == 200
    assert (tmp_path / "views").read_text().split() == ["early", "late"]


def test_a_hook_wrapper_is_refused_with_a_clear_reason(install_plugin, site_app_factory):
    install_plugin("wrapping", '''
from site_core.api import hookimpl

@hookimpl(wrapper=True)
def site_page_view():
    return (yield)
''')
    app = site_app_factory({**LENIENT, "PLUGINS": {"enabled": ["wrapping"]}})
    assert "site_page_view: hook wrappers are not supported" in app.test_cli_runner().invoke(args=["plugins"]).output
    assert app.test_client().get("/").status_code == 200


# --- assets checked at set-up -----------------------------------------------------------------

@pytest.mark.parametrize("static, reason", [
    (None, "asset 'missing.css' listed but the plugin has no static/ folder"),
    ({"other.css": ""}, "asset 'missing.css' not found in"),
])
def test_a_listed_asset_that_is_not_there_fails_the_plugin_and_pages_still_answer(
        install_plugin, site_app_factory, make_article, static, reason):
    install_plugin("packaged", '''
from site_core.api import Widget, hookimpl

@hookimpl
def site_widgets():
    return [Widget(title="Packaged", render=lambda page: "x")]

@hookimpl
def site_assets():
    return ["missing.css"]
''', static=static)
    app = site_app_factory({**LENIENT, "PLUGINS": {"enabled": ["packaged"]}})
    article = make_article(app, title="Trang vẫn chạy")
    client = app.test_client()
    for path, status in (("/", 200), (f"/bai-viet/{article.slug}", 200), ("/khong-co", 404)):
        response = client.get(path)
        assert response.status_code == status and "Content-Security-Policy" in response.headers
    assert reason in app.test_cli_runner().invoke(args=["plugins"]).output


# --- the API version --------------------------------------------------------------------------

@pytest.mark.parametrize("declared, reason", [
    ('"2.0"', "needs plugin API 2.0; this site_core provides 1.3"),
    ('"1.99"', "needs plugin API 1.99; this site_core provides 1.3"),
    ('"one"', 'SITE_CORE_API must be "MAJOR.MINOR"'),
])
def test_a_plugin_needing_another_api_version_fails_with_the_reason(install_plugin, site_app_factory, declared, reason):
    module = widget_plugin(install_plugin, "future")
    path = next(Path(p) for p in sys.path if (Path(p) / module).is_dir()) / module / "__init__.py"
    path.write_text(f"SITE_CORE_API = {declared}\n" + path.read_text(), encoding="utf-8")
    app = site_app_factory({**LENIENT, "PLUGINS": {"enabled": ["future"]}})
    assert reason in app.test_cli_runner().invoke(args=["plugins"]).output
    assert "future" not in sidebar_order(app.test_client().get("/").get_data(as_text=True))


def test_a_plugin_declaring_this_api_loads_and_one_declaring_none_loads_with_a_warning(install_plugin, site_app_factory):
    install_plugin("current", WIDGET.format(title="Now", text="now", position=1).replace(
        "from site_core", 'SITE_CORE_API = "1.0"\nfrom site_core', 1))
    widget_plugin(install_plugin, "older")
    with pytest.warns(DeprecationWarning, match='plugin older does not declare .* SITE_CORE_API = "1.3"'):
        app = site_app_factory({"PLUGINS": {"enabled": ["current", "older"]}})
    assert sidebar_order(app.test_client().get("/").get_data(as_text=True)) == ["current", "older"]


# --- setting defaults -------------------------------------------------------------------------

@pytest.mark.parametrize("declaration, reason", [
    ("Setting(0, minimum=1)", "declared default of 'count' breaks its own declaration: .* at least 1"),
    ("Setting(50, maximum=20)", "declared default of 'count' breaks its own declaration: .* at most 20"),
    ('Setting("push", choices=("server", "beacon"))', "declared default of 'count' .* one of 'server', 'beacon'"),
])
def test_a_default_that_breaks_its_own_declaration_fails_the_plugin(install_plugin, site_app_factory, declaration, reason):
    install_plugin("selfish", f'''
from site_core.api import Setting, Widget, hookimpl

@hookimpl
def site_plugin_settings():
    return {{"count": {declaration}}}

@hookimpl
def site_widgets(plugin):
    return [Widget(title="Selfish", render=lambda page: str(page.settings["count"]))]
''')
    app = site_app_factory({**LENIENT, "PLUGINS": {"enabled": ["selfish"]}})
    output = app.test_cli_runner().invoke(args=["plugins"]).output
    assert re.search("settings failed: ValueError: the " + reason, output), output
    assert "selfish" not in sidebar_order(app.test_client().get("/").get_data(as_text=True))


# --- the test kit -----------------------------------------------------------------------------

def test_the_kit_loads_strictly_and_enables_only_what_a_test_names(install_plugin, site_app_factory, render_widget):
    install_plugin("broken", "raise RuntimeError('unrelated breakage')")
    widget_plugin(install_plugin, "mine")
    app = site_app_factory({"PLUGINS": {"enabled": ["mine"]}})  # the broken one is installed, not named
    assert 'data-widget="mine"' in render_widget("mine", app=app)
    with pytest.raises(PluginError, match="broken: import failed: RuntimeError: unrelated breakage"):
        site_app_factory({"PLUGINS": {"enabled": ["mine", "broken"]}})
    nothing_named = site_app_factory({})
    with pytest.raises(LookupError, match=r"plugin 'mine' is installed but not enabled in this test"):
        render_widget("mine", app=nothing_named)
    with pytest.raises(LookupError, match=r"no plugin 'nope' is installed \(installed: .*mine"):
        render_widget("nope", app=app)


def test_render_widget_says_why_a_plugin_that_failed_has_no_widget(install_plugin, site_app_factory, render_widget):
    install_plugin("broken", "raise RuntimeError('boom at import')")
    app = site_app_factory({**LENIENT, "PLUGINS": {"enabled": ["broken"]}})
    with pytest.raises(LookupError, match="plugin 'broken' failed to load: import failed: RuntimeError: boom at import"):
        render_widget("broken", app=app)
