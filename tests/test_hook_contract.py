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
def site_plugin_settings():
    record("site_plugin_settings")
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
'''

BATCH_RECORDER = '''
import json, os
from site_core import hookimpl

@hookimpl
def site_articles_changed(changes):
    with open(os.environ["HOOK_LOG"], "a") as handle:
        handle.write(json.dumps({"hook": "site_articles_changed",
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
    source = tmp_path / "one.jsonl"
    source.write_text("".join(json.dumps({"title": title, "body": "<p>x</p>",
                                          "published_at": "2020-01-02T08:00:00+07:00"}) + "\n"
                              for title in ("Tin thử nghiệm", "Tin thứ hai")), encoding="utf-8")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["import-articles", str(source)]).exit_code == 0
    client = app.test_client()
    client.get("/bai-viet/tin-thu-nghiem")
    assert "recorded" in runner.invoke(args=["load-demo"]).output
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted({c["hook"] for c in calls}) == SPECS
    assert {"hook": "site_setup", "greeting": "xin chào"} in calls
    assert {"hook": "site_article_changed", "slug": "tin-thu-nghiem", "change": "published"} in calls
    assert {"hook": "site_article_changed", "slug": "tin-thu-hai", "change": "published"} in calls  # one each
    batches = [c["changes"] for c in calls if c["hook"] == "site_articles_changed"]
    assert batches[0] == [["tin-thu-nghiem", "published"], ["tin-thu-hai", "published"]]  # one call, the import
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
