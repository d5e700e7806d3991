"""The privacy notice (``/quyen-rieng-tu``): what the site keeps about its readers.

Written for readers in Vietnamese, framed by Decree 13/2023/NĐ-CP on personal
data protection. The core declares its own cookies (the session, which holds
Flask-WTF's CSRF token of a form that uses it, and ``site_reader``, the basis of a reader
form's token); every enabled plugin declares its own through
the ``site_privacy_notice`` hook, so a third-party widget's cookies are
listed too. A plugin that declares nothing, or fails to, is named as such.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, render_template

from . import plugins as plugin_registry, reader_forms
from .readers import cookie_name

blueprint = Blueprint("privacy", __name__)


@dataclass(frozen=True)
class Cookie:
    """A cookie a plugin may set: its exact name, why, and how long it lasts."""

    name: str
    purpose: str
    max_age: int | None = None  # seconds; None: until the browser is closed


@dataclass(frozen=True)
class DataKept:
    """Something stored about readers, and for how long (both in Vietnamese)."""

    what: str
    kept_for: str


@dataclass(frozen=True)
class PrivacyNotice:
    """What one plugin does with readers' data (returned by ``site_privacy_notice``)."""

    summary: str
    cookies: tuple[Cookie, ...] = ()
    data: tuple[DataKept, ...] = ()


@dataclass(frozen=True)
class Part:
    """One section of the notice: who declares it, and the declaration (None if none was made)."""

    title: str
    notice: PrivacyNotice | None


def lifetime(seconds: int | None) -> str:
    """``1800`` -> "30 phút"; None -> until the browser closes."""
    if seconds is None:
        return "đến khi đóng trình duyệt"
    for unit, name in ((86400, "ngày"), (3600, "giờ"), (60, "phút")):
        if seconds >= unit and seconds % unit == 0:
            return f"{seconds // unit} {name}"
    return f"{seconds} giây"


def core_notice() -> PrivacyNotice:
    return PrivacyNotice(
        summary="Phần lõi của trang không yêu cầu đăng nhập, không lưu địa chỉ IP hay thông tin nhận dạng "
                "của bạn và không đặt cookie quảng cáo hay theo dõi.",
        cookies=(Cookie(cookie_name(reader_forms.COOKIE),
                        "Một mã ngẫu nhiên làm cơ sở cho mã chống giả mạo (CSRF) của biểu mẫu dành cho "
                        "bạn đọc, chỉ khi trang có biểu mẫu (ví dụ phiếu khảo sát). Không chứa thông tin "
                        "về bạn."),
                 Cookie(current_app.config["SESSION_COOKIE_NAME"],
                        "Giữ mã chống giả mạo (CSRF) của biểu mẫu khác, chỉ khi một tiện ích có biểu mẫu như "
                        "vậy. Không chứa thông tin về bạn.")),
    )


def parts() -> list[Part]:
    """The core's part, then each enabled plugin's, in sidebar order ("not declared" where it gave none)."""
    registry = plugin_registry.get()
    answers = dict(registry.call_each("site_privacy_notice"))
    found = [Part(current_app.config["SITE_NAME"], core_notice())]
    for plugin in registry.enabled:
        title = plugin.widgets[0].title if plugin.widgets else plugin.name
        notice = answers.get(plugin)
        if notice is not None and not isinstance(notice, PrivacyNotice):
            plugin.logger.error("plugin %s: site_privacy_notice must return a PrivacyNotice, got %s",
                                plugin.name, type(notice).__name__)
            notice = None
        found.append(Part(title, notice))
    return found


@blueprint.get("/quyen-rieng-tu")
def notice():
    return render_template("privacy.html", parts=parts(), lifetime=lifetime)
