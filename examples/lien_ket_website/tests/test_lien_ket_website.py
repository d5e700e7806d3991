"""The partner-links widget, its page and its command, tested with site_core's test kit."""
import pytest

from site_core.testing import PluginError, SettingError


def test_widget_lists_the_default_partner_links(render_widget):
    html = render_widget("lien_ket_website")
    assert 'data-widget="lien_ket_website"' in html
    assert "Liên kết website" in html
    assert "Cổng thông tin điện tử Chính phủ" in html and 'href="/lien_ket_website/go/1"' in html


def test_widget_appears_on_the_home_page_with_its_stylesheet(site_client):
    page = site_client.get("/").get_data(as_text=True)
    assert 'data-widget="lien_ket_website"' in page
    assert 'href="/lien_ket_website/static/lien_ket_website.css"' in page


def test_the_links_page_lists_every_link_once(site_client):
    site_client.get("/")  # the widget, rendered and cached
    response = site_client.get("/lien_ket_website/")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('href="/lien_ket_website/go/') == 3


def test_a_click_is_counted_and_goes_only_to_a_configured_link(site_app, site_client):
    assert site_client.get("/lien_ket_website/go/2").headers["Location"] == "https://dangcongsan.vn"
    assert site_client.get("/lien_ket_website/go/4").status_code == 404
    assert site_client.get("/lien_ket_website/go/0").status_code == 404
    output = site_app.test_cli_runner().invoke(args=["lien_ket_website", "clicks"]).output
    assert "       1  Báo Điện tử Đảng Cộng sản Việt Nam" in output
    assert "       0  Cổng thông tin điện tử Chính phủ" in output


def test_admin_links_replace_the_defaults_and_are_escaped(site_app_factory, render_widget):
    app = site_app_factory({"PLUGINS": {"enabled": ["lien_ket_website"], "lien_ket_website": {
        "links": [{"title": "<b>Sở GD&ĐT</b>", "url": "https://sogddt.example"}]}}})
    html = render_widget("lien_ket_website", app=app)
    assert "&lt;b&gt;Sở GD&amp;ĐT&lt;/b&gt;" in html
    assert "Chính phủ" not in html


def test_a_javascript_link_is_refused_at_start_up(site_app_factory):
    config = {"PLUGINS": {"enabled": ["lien_ket_website"], "lien_ket_website": {
        "links": [{"title": "x", "url": "javascript:alert(1)"}]}}}
    with pytest.raises(PluginError, match="lien_ket_website.*https://"):
        site_app_factory(config)


def test_a_wrongly_typed_setting_names_plugin_and_key(site_app_factory):
    with pytest.raises(SettingError, match=r"\[PLUGINS.lien_ket_website\] links"):
        site_app_factory({"PLUGINS": {"enabled": ["lien_ket_website"],
                                      "lien_ket_website": {"links": "https://x.example"}}})


def test_the_privacy_notice_says_the_links_keep_nothing_about_readers(site_client):
    notice = site_client.get("/quyen-rieng-tu").get_data(as_text=True)
    section = notice.split("<h3>Liên kết website</h3>")[1].split("</section>")[0]
    assert "không dùng cookie, không lưu gì" in section
