"""The plugin: the links (a setting), the widget, a page, a click counter and its command."""
from urllib.parse import urlsplit

from flask import request

from site_core.api import PrivacyNotice, Setting, Widget, hookimpl

from . import clicks

SITE_CORE_API = "1.1"  # the plugin API this plugin is written for (1.1: Widget.varies)

DEFAULT_LINKS = [
    {"title": "Cổng thông tin điện tử Chính phủ", "url": "https://chinhphu.vn"},
    {"title": "Báo Điện tử Đảng Cộng sản Việt Nam", "url": "https://dangcongsan.vn"},
    {"title": "Cổng thông tin điện tử tỉnh Thanh Hóa", "url": "https://thanhhoa.gov.vn"},
]


@hookimpl
def site_plugin_settings():
    return {
        "title": "Liên kết website",
        "links": Setting(DEFAULT_LINKS, help="a list of {title, url} tables; https or http only"),
        "position": Setting(300, minimum=0),
    }


@hookimpl
def site_setup(plugin):
    for number, link in enumerate(plugin.settings["links"], start=1):
        if not isinstance(link, dict) or set(link) != {"title", "url"}:
            raise ValueError(f"links[{number}] must be a table with exactly title and url")
        if urlsplit(link["url"]).scheme not in ("http", "https"):
            raise ValueError(f"links[{number}].url must start with https:// or http://: {link['url']!r}")
    clicks.register(plugin)


@hookimpl
def site_widgets(plugin):
    return [Widget(
        title=plugin.settings["title"],
        template="lien_ket_website/widget.html",
        context=links_unless_on_own_page,
        position=plugin.settings["position"],
        cache_seconds=3600,  # the links change only when the config does
        cache_key=lambda page: request.blueprint == page.plugin.name,  # its own page or any other
        varies="content",  # the same for every reader: kept in the page cache's pages
    )]


def links_unless_on_own_page(page):
    """The widget's context; None (no widget) on the plugin's own page, which lists the links already."""
    if request.blueprint == page.plugin.name:
        return None
    return {"links": page.settings["links"]}


@hookimpl
def site_assets():
    return ["lien_ket_website.css"]


@hookimpl
def site_privacy_notice():
    return PrivacyNotice(summary="Hiển thị liên kết đến các website khác và đếm số lần mỗi liên kết được bấm "
                                 "(chỉ là số tổng): không dùng cookie, không lưu gì về người đọc. Khi bạn mở "
                                 "một liên kết, chính sách của website đó được áp dụng.")
