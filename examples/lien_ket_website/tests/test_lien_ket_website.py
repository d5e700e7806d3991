"""The partner-links widget, tested with site_core's test kit."""
import pytest

from site_core.plugins import PluginError
from site_core.settings import SettingError


def test_widget_lists_the_default_partner_links(render_widget):
    html = render_widget("lien_ket_website")
    assert 'data-widget="lien_ket_website"' in html
    assert "Liên kết website" in html
    assert 'href="https://chinhphu.vn"' in html


def test_widget_appears_on_the_home_page(site_client):
    page = site_client.get("/").get_data(as_text=True)
    assert 'data-widget="lien_ket_website"' in page


def test_admin_links_replace_the_defaults_and_are_escaped(site_app_factory, render_widget):
    app = site_app_factory({"PLUGINS": {"enabled": ["lien_ket_website"], "lien_ket_website": {
        "links": [{"title": "<b>Sở GD&ĐT</b>", "url": "https://sogddt.example"}]}}})
    html = render_widget("lien_ket_website", app=app)
    assert "&lt;b&gt;Sở GD&amp;ĐT&lt;/b&gt;" in html
    assert "chinhphu.vn" not in html


def test_a_javascript_link_is_refused_at_start_up(site_app_factory):
    config = {"PLUGINS_STRICT": True, "PLUGINS": {"enabled": ["lien_ket_website"], "lien_ket_website": {
        "links": [{"title": "x", "url": "javascript:alert(1)"}]}}}
    with pytest.raises(PluginError, match="lien_ket_website.*https://"):
        site_app_factory(config)


def test_a_wrongly_typed_setting_names_plugin_and_key(site_app_factory):
    with pytest.raises(SettingError, match=r"\[PLUGINS.lien_ket_website\] links"):
        site_app_factory({"PLUGINS": {"lien_ket_website": {"links": "https://x.example"}}})


def test_the_privacy_notice_says_the_links_keep_nothing_about_readers(site_client):
    notice = site_client.get("/quyen-rieng-tu").get_data(as_text=True)
    section = notice.split("<h3>Liên kết website</h3>")[1].split("</section>")[0]
    assert "không dùng cookie, không lưu gì" in section
