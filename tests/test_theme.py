"""The theme folder: a site restyles the core's and the plugins' templates without editing them."""
from pathlib import Path

import pytest

from site_core import theme
from site_core.config import ConfigError

ROOT = Path(__file__).resolve().parents[1]
WIDGET = '''
from site_core import Widget, hookimpl

@hookimpl
def site_widgets():
    return [Widget(title="Hộp thư", template="hop_thu/widget.html")]
'''


def write(folder: Path, files: dict) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def app_with_widget(install_plugin, site_app_factory, tmp_path):
    install_plugin("hop_thu", WIDGET, templates={"hop_thu/widget.html": "<p>Hộp thư của plugin</p>"})

    def make(config=None, instance=None):
        return site_app_factory({"PLUGINS": {"enabled": ["hop_thu"]}, **(config or {})}, instance=instance)

    return make


def test_the_templates_folder_beside_the_instance_overrides_the_core_and_the_plugins(app_with_widget, tmp_path):
    write(tmp_path / "site" / "templates", {
        "hop_thu/widget.html": "<p>Hộp thư của giao diện</p>",
        "error.html": "<h1>Lạc đường rồi</h1>{{ code }}",
    })
    app = app_with_widget(instance=tmp_path / "site" / "instance")
    client = app.test_client()
    home = client.get("/").get_data(as_text=True)
    assert "Hộp thư của giao diện" in home and "Hộp thư của plugin" not in home
    assert client.get("/khong-co").get_data(as_text=True) == "<h1>Lạc đường rồi</h1>404"


def test_the_instance_folder_overrides_the_theme(app_with_widget, tmp_path):
    write(tmp_path / "site" / "templates", {"hop_thu/widget.html": "<p>giao diện</p>"})
    write(tmp_path / "site" / "instance" / "templates", {"hop_thu/widget.html": "<p>triển khai</p>"})
    home = app_with_widget(instance=tmp_path / "site" / "instance").test_client().get("/").get_data(as_text=True)
    assert "triển khai" in home and "giao diện" not in home


def test_an_installed_site_names_its_theme_folder(app_with_widget, tmp_path):
    themes = write(tmp_path / "srv" / "portal-theme", {"hop_thu/widget.html": "<p>tuyệt đối</p>"})
    write(tmp_path / "inst" / "relative-theme", {"hop_thu/widget.html": "<p>tương đối</p>"})
    absolute = app_with_widget({"THEME_FOLDER": str(themes)}, instance=tmp_path / "a" / "instance")
    assert "tuyệt đối" in absolute.test_client().get("/").get_data(as_text=True)
    relative = app_with_widget({"THEME_FOLDER": "relative-theme"}, instance=tmp_path / "inst")
    assert "tương đối" in relative.test_client().get("/").get_data(as_text=True)


def test_a_missing_theme_folder_stops_startup_naming_the_key(site_app_factory, tmp_path):
    with pytest.raises(ConfigError, match="THEME_FOLDER"):
        site_app_factory({"THEME_FOLDER": str(tmp_path / "nowhere")}, create_tables=False)


def test_in_a_checkout_the_theme_folder_is_templates_beside_wsgi_py(site_app_factory):
    app = site_app_factory({"PLUGINS": {"enabled": []}}, create_tables=False, instance=ROOT / "instance")
    assert theme.folder(app) == ROOT / "templates" and (ROOT / "wsgi.py").exists()
    assert (ROOT / "templates" / "README.md").exists()  # documented, with an example
