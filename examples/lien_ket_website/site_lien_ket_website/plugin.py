"""The plugin: one setting (the links), one widget, checked at start-up."""
from urllib.parse import urlsplit

from site_core import PrivacyNotice, Setting, Widget, hookimpl

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


@hookimpl
def site_widgets(plugin):
    return [Widget(
        title=plugin.settings["title"],
        template="lien_ket_website/widget.html",
        context=lambda page: {"links": page.settings["links"]},
        position=plugin.settings["position"],
        cache_seconds=3600,  # the links change only when the config does
        cache_key=lambda page: "all",
    )]


@hookimpl
def site_privacy_notice():
    return PrivacyNotice(summary="Chỉ hiển thị liên kết đến các website khác: không dùng cookie, không lưu gì "
                                 "về người đọc. Khi bạn mở một liên kết, chính sách của website đó được áp dụng.")
