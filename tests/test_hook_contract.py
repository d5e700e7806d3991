"""The plugin contract itself: every hook is documented, and every hook is called."""
import inspect
import json
import re
from pathlib import Path

from site_core import hookspecs

DOCS = Path(__file__).parents[1] / "docs" / "writing-widgets.md"
SPECS = sorted(name for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("site_"))

RECORDER = '''
import json, os
from site_core import Widget, hookimpl

LOG = os.environ["HOOK_LOG"]

def record(name, **details):
    with open(LOG, "a") as handle:
        handle.write(json.dumps({"hook": name, **details}) + "\\n")

@hookimpl
def site_plugin_settings(plugin):
    record("site_plugin_settings", plugin=plugin.name)
    return {"greeting": "xin chào"}

@hookimpl
def site_setup(app, plugin):
    record("site_setup", greeting=plugin.settings["greeting"])

@hookimpl
def site_widgets(plugin):
    record("site_widgets")
    return [Widget(title="Recorder", render=lambda page: page.settings["greeting"])]

@hookimpl
def site_assets():
    record("site_assets")
    return ["recorder.css"]

@hookimpl
def site_page_view(request, response, article):
    record("site_page_view", path=request.path, article=getattr(article, "slug", None))

@hookimpl
def site_article_changed(article, change):
    record("site_article_changed", slug=article.slug, change=change)

@hookimpl
def site_demo_data(app):
    record("site_demo_data")
    return "recorded"

@hookimpl
def site_privacy_notice():
    record("site_privacy_notice")
'''

BATCH_RECORDER = '''
import json, os
from site_core import hookimpl

@hookimpl
def site_articles_changed(changes):
    with open(os.environ["HOOK_LOG"], "a") as handle:
        handle.write(json.dumps({"hook": "site_articles_changed",
                                 "changes": [[a.slug, c] for a, c in changes]}) + "\\n")

@hookimpl
def site_articles_importing(changes):
    with open(os.environ["HOOK_LOG"], "a") as handle:
        handle.write(json.dumps({"hook": "site_articles_importing",
                                 "changes": [[a.slug, c] for a, c in changes]}) + "\\n")
'''


def test_every_hookspec_is_documented_with_a_docstring_and_in_the_guide():
    text = DOCS.read_text(encoding="utf-8")
    for name in SPECS:
        assert inspect.getdoc(getattr(hookspecs, name)), f"{name} has no docstring"
        assert re.search(rf"`{name}\(", text), f"{name} is not documented in {DOCS.name}"


def test_every_hookspec_is_called_by_the_core(install_plugin, site_app_factory, tmp_path, monkeypatch):
    log = tmp_path / "hooks.jsonl"
    monkeypatch.setenv("HOOK_LOG", str(log))
    install_plugin("recorder", RECORDER, static={"recorder.css": "/* */"})
    install_plugin("batch_recorder", BATCH_RECORDER)
    app = site_app_factory({"PLUGINS": {"enabled": ["recorder", "batch_recorder"]}})
    monkeypatch.setattr("site_core.importer.IMPORT_BATCH", 2)  # one call for every two changes
    source = tmp_path / "one.jsonl"
    source.write_text("".join(json.dumps({"title": title, "body": "<p>x</p>",
                                          "published_at": "2020-01-02T08:00:00+07:00"}) + "\n"
                              for title in ("Tin thử nghiệm", "Tin thứ hai", "Tin thứ ba")), encoding="utf-8")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["import-articles", str(source)]).exit_code == 0
    client = app.test_client()
    client.get("/bai-viet/tin-thu-nghiem")
    client.get("/quyen-rieng-tu")
    assert "recorded" in runner.invoke(args=["load-demo"]).output
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted({c["hook"] for c in calls}) == SPECS
    assert {"hook": "site_setup", "greeting": "xin chào"} in calls
    assert {"hook": "site_plugin_settings", "plugin": "recorder"} in calls
    assert {"hook": "site_article_changed", "slug": "tin-thu-nghiem", "change": "published"} in calls
    assert {"hook": "site_article_changed", "slug": "tin-thu-hai", "change": "published"} in calls  # one each
    batches = [c["changes"] for c in calls if c["hook"] == "site_articles_changed"]
    assert batches[0] == [["tin-thu-nghiem", "published"], ["tin-thu-hai", "published"],
                          ["tin-thu-ba", "published"]]  # one call, the whole import
    parts = [c["changes"] for c in calls if c["hook"] == "site_articles_importing"]
    assert parts[0] == [["tin-thu-nghiem", "published"], ["tin-thu-hai", "published"]]  # meanwhile, every two
    assert parts[1][0][0] != "tin-thu-ba"  # the rest of the import: only at the end (then load-demo)
    assert {"hook": "site_page_view", "path": "/bai-viet/tin-thu-nghiem", "article": "tin-thu-nghiem"} in calls


def test_page_views_are_reported_only_for_real_reader_views(install_plugin, site_app_factory, tmp_path, monkeypatch, make_article):
    log = tmp_path / "hooks.jsonl"
    monkeypatch.setenv("HOOK_LOG", str(log))
    install_plugin("recorder", RECORDER, static={"recorder.css": "/* */"})
    install_plugin("batch_recorder", BATCH_RECORDER)
    app = site_app_factory({"PLUGINS": {"enabled": ["recorder", "batch_recorder"]}})
    make_article(app, title="Tin một")
    client = app.test_client()
    client.head("/")
    client.get("/", headers={"Sec-Purpose": "prefetch"})
    client.get("/", headers={"Sec-Purpose": "prefetch;prerender"})
    client.get("/bai-viet/khong-co")  # 404
    client.get("/static/site.css")
    client.get("/recorder/static/recorder.css")
    client.get("/-/plugins.json")
    assert not any(json.loads(l)["hook"] == "site_page_view" for l in log.read_text().splitlines())
    client.get("/")
    client.get("/bai-viet/tin-mot")
    views = [json.loads(l) for l in log.read_text().splitlines() if '"site_page_view"' in l]
    assert [(v["path"], v["article"]) for v in views] == [("/", None), ("/bai-viet/tin-mot", "tin-mot")]


# --- the plugin API: what plugins may import, and nothing around it ---------------------------

ROOT = Path(__file__).parents[1]
PLUGIN_PACKAGES = sorted(p for p in [*ROOT.glob("plugins/*/site_*"), *ROOT.glob("examples/*/site_*")]
                         if (p / "__init__.py").is_file())
PROXIES = {"current_app", "g", "request", "plugin", "page"}  # objects a plugin gets from the core
DOCUMENTED_PRIVATE = {"_get_current_object"}  # Werkzeug's documented way to unwrap a proxy


def public_names(module_name: str) -> set[str]:
    import importlib

    from site_core.api import PUBLIC_MODULES

    names = set(importlib.import_module(module_name).__all__)
    if module_name == "site_core":  # public modules may be imported from the package too
        names |= {m.rpartition(".")[2] for m in PUBLIC_MODULES if m.startswith("site_core.")}
    return names


def api_violations(path: Path) -> list[str]:
    """Each use of site_core outside its documented surface in one source file."""
    import ast

    from site_core.api import PUBLIC_MODULES

    allowed_modules = set(PUBLIC_MODULES) - {"site_core.testing"}  # the kit is for tests, not packages
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found, imported = [], set()
    where = lambda node: f"{path}:{node.lineno}"  # noqa: E731
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "site_core":
            if node.module not in allowed_modules:
                found.append(f"{where(node)}: imports from {node.module}, not a public module")
                continue
            for alias in node.names:
                imported.add(alias.asname or alias.name)
                if alias.name not in public_names(node.module):
                    found.append(f"{where(node)}: {node.module}.{alias.name} is not in the plugin API")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "site_core" and alias.name not in allowed_modules:
                    found.append(f"{where(node)}: imports {alias.name}, not a public module")
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
                and node.value.attr == "extensions" and isinstance(node.slice, ast.Constant) \
                and str(node.slice.value).startswith("site_core"):
            found.append(f"{where(node)}: reaches into the core's app.extensions[{node.slice.value!r}]")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__") \
                and isinstance(node.value, ast.Name) and node.attr not in DOCUMENTED_PRIVATE \
                and (node.value.id in imported or node.value.id in PROXIES):
            found.append(f"{where(node)}: private attribute {node.value.id}.{node.attr}")
    return found


def test_the_built_ins_and_the_example_use_only_the_documented_plugin_api():
    assert len(PLUGIN_PACKAGES) == 4, PLUGIN_PACKAGES
    violations = [v for package in PLUGIN_PACKAGES for path in sorted(package.rglob("*.py"))
                  for v in api_violations(path)]
    assert violations == []


def test_the_api_check_catches_internals_and_reach_arounds(tmp_path):
    source = tmp_path / "sneaky.py"
    source.write_text(
        "from flask import current_app\n"
        "from site_core.security import error_page\n"
        "from site_core import plugins\n"
        "from site_core.api import db, plugin_of\n"
        "import site_core.widgets\n"
        "registry = current_app.extensions['site_core.plugins']\n"
        "db._private\n", encoding="utf-8")
    found = "\n".join(api_violations(source))
    for expected in ("sneaky.py:2: imports from site_core.security", "site_core.plugins is not in the plugin API",
                     "sneaky.py:5: imports site_core.widgets", "app.extensions['site_core.plugins']",
                     "private attribute db._private"):
        assert expected in found


def test_every_public_name_is_documented_in_the_plugin_api_guide():
    import site_core.api
    import site_core.reading

    text = (ROOT / "docs" / "plugin-api.md").read_text(encoding="utf-8")
    for module in (site_core.api, site_core.reading):
        for name in module.__all__:
            assert f"`{name}" in text, f"{module.__name__}.{name} is not in docs/plugin-api.md"


def test_the_core_names_no_plugin():
    names = {ep.name for ep in __import__("importlib.metadata").metadata.entry_points(group="site_core.plugins")}
    for path in sorted((ROOT / "site_core").rglob("*.py")):
        if "demo" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        assert not [n for n in names if re.search(rf"\b{n}\b", text)], path


# --- the built-ins share one set of conventions -----------------------------------------------

BUILT_INS = ["visit_counter", "survey_poll", "related_news"]


def test_each_built_in_has_one_cli_group_named_after_it(site_app_factory):
    import click

    app = site_app_factory({"PLUGINS": {"enabled": BUILT_INS}})
    for name in BUILT_INS:
        group = app.cli.commands[name]
        assert isinstance(group, click.Group) and group.list_commands(None)
        assert app.test_cli_runner().invoke(args=[name, "--help"]).exit_code == 0


def test_secure_cookies_follow_one_setting_for_every_plugin(site_app_factory):
    """``SESSION_COOKIE_SECURE`` alone (no ``SITE_HTTPS``) makes plugins' cookies Secure and ``__Host-``."""
    from flask import Response

    from site_core.api import read_cookie, set_cookie

    app = site_app_factory({"SESSION_COOKIE_SECURE": True, "PLUGINS": {"enabled": ["visit_counter"]}})
    counted = app.test_client().get("/", headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"})
    cookie = counted.headers["Set-Cookie"]
    assert cookie.startswith("__Host-visit_counter=") and "Secure" in cookie and "HttpOnly" in cookie
    with app.test_request_context("/", headers={"Cookie": "__Host-widget_x=abc"}):
        response = Response()
        set_cookie(response, "widget_x", "v", max_age=60)
        assert response.headers["Set-Cookie"].startswith("__Host-widget_x=v") and "Secure" in response.headers["Set-Cookie"]
        assert read_cookie("widget_x") == "abc"
    plain = site_app_factory({})
    with plain.test_request_context("/", headers={"Cookie": "widget_x=abc"}):
        response = Response()
        set_cookie(response, "widget_x", "v", max_age=60)
        assert response.headers["Set-Cookie"].startswith("widget_x=v") and "Secure" not in response.headers["Set-Cookie"]
        assert read_cookie("widget_x") == "abc"


def test_a_firstresult_hook_added_in_a_minor_release_stops_at_the_first_answer():
    """How a 1.x hook such as "which plugin answers this URL" would be called."""
    import types

    import pluggy

    from site_core import hookimpl
    from site_core.plugins import Plugin, Plugins

    spec = pluggy.HookspecMarker("site_core")
    future = types.SimpleNamespace(site_answer=spec(firstresult=True)(lambda question, plugin: None))
    registry = Plugins()
    registry.manager.add_hookspecs(future)
    answers = {"silent": lambda question: None, "broken": lambda question: 1 / 0,
               "first": lambda question, plugin: f"{plugin.name}: {question}", "second": lambda question: "late"}
    for name in ["second", "first", "broken", "silent"]:  # pluggy calls the last registered first
        module = types.SimpleNamespace(site_answer=hookimpl(answers[name]))
        registry.manager.register(module, name=name)
        registry.isolate(Plugin(name, name, "1", name, module=module))
    assert [(p.name, answer) for p, answer in registry.call_each("site_answer", question="42?")] == [
        ("first", "first: 42?")]
