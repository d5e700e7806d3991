"""The survey_poll plugin's hooks: settings, routes, CLI, widget, assets, demo data."""
from __future__ import annotations

from flask import render_template, request
from markupsafe import Markup

from site_core import clock
from site_core.api import (MAX_ID, Cookie, DataKept, PrivacyNotice, Setting, Widget, cookie_name, hookimpl,
                           per_reader, shared)

from . import cli, demo, polls, results as poll_results, views, voting


SITE_CORE_API = "1.3"  # the plugin API this plugin is written for (1.1: Widget.varies, per_reader; 1.3: reader_form)
SHARED_SECONDS = 5  # which poll the widget shows is shared this long (or until a poll opens or closes)


@hookimpl
def site_plugin_settings():
    return {
        "title": Setting("Khảo sát ý kiến", help="the widget's heading"),
        "pinned_poll": Setting(0, minimum=0, maximum=MAX_ID, help="id of the poll the widget shows; 0 = the newest open poll"),
        "rate_limit": Setting(50, minimum=1, help="votes counted per poll and client address per window"),
        "rate_limit_window": Setting(3600, minimum=60, maximum=7 * 86400, help="the window, in seconds"),
        "shared_cache": Setting(False, help="pages are served from a shared cache: no CSRF token in them; "
                                            "the form comes from an uncached request"),
        "results_cache_seconds": Setting(60, minimum=0, maximum=86400,
                                         help="how long results are cached (a vote clears its poll's entry)"),
        "voter_cookie_days": Setting(365, minimum=1, maximum=3650, help="lifetime of the voter cookie"),
        "position": Setting(100, minimum=0, help="place in the sidebar (smaller = higher)"),
    }


@hookimpl
def site_setup(plugin):
    from . import models  # noqa: F401  (the tables, for init-db)

    views.register(plugin.blueprint)
    plugin.add_command(cli.poll, plugin.name)
    plugin.add_command(cli.poll, hidden=True)  # `flask poll`, kept through 1.x


@hookimpl
def site_widgets(plugin):
    return [Widget(title=plugin.settings["title"], template="survey_poll/widget.html",
                   context=widget_context, position=plugin.settings["position"],
                   varies=min(SHARED_SECONDS, plugin.settings["results_cache_seconds"]) or "reader",
                   cache_key=lambda page: request.blueprint == page.plugin.name)]


@hookimpl
def site_assets():
    return ["survey_poll.css", "survey_poll.js"]


@hookimpl
def site_demo_data():
    return demo.load()


@hookimpl
def site_privacy_notice(plugin):
    settings = plugin.settings
    return PrivacyNotice(
        summary="Phiếu khảo sát ghi nhận lựa chọn của bạn mà không biết bạn là ai: không lưu tên, "
                "địa chỉ IP hay tài khoản.",
        cookies=[Cookie(cookie_name(voting.COOKIE),
                        "Ghi nhớ rằng bạn đã bình chọn, để mỗi người chỉ bình chọn một lần; chứa một mã "
                        "ngẫu nhiên có chữ ký. Chỉ được đặt khi bạn bình chọn.",
                        max_age=settings["voter_cookie_days"] * 86400)],
        data=[
            DataKept("Lá phiếu: mã ngẫu nhiên của cookie trên, các lựa chọn và thời điểm bình chọn.",
                     "lâu dài, cùng với kết quả cuộc khảo sát"),
            DataKept(f"Số phiếu gửi từ mỗi địa chỉ mạng trong mỗi khoảng {settings['rate_limit_window'] // 60} "
                     "phút, để chặn bình chọn hàng loạt; địa chỉ chỉ được lưu dưới dạng mã băm có khóa, "
                     "không thể đảo ngược.",
                     "chỉ cần trong khoảng thời gian đó; bản ghi của các khoảng đã qua được xóa khi "
                     "cùng địa chỉ bình chọn lần sau"),
        ],
    )


def widget_context(page):
    """The poll to show, shared by every reader, and each reader's view of it (a
    ``per_reader`` part: the form with their CSRF token, or the results once they
    voted); None leaves the widget out.

    Left out on the poll's own pages (they show the poll already) and when
    there is no open poll (or the pinned one does not exist). Shared until the
    next time a poll opens or closes, so the widget changes on time.
    """
    if request.blueprint == page.plugin.name:
        return None
    settings = page.settings
    now = clock.now()
    next_change = polls.next_change(now)
    if next_change is not None:
        page.valid_until(next_change)
    poll_id = polls.current_poll_id(settings["pinned_poll"])
    if poll_id is None:
        return None
    results = poll_results.load(poll_id)
    if results is None:
        page.plugin.logger.warning("pinned_poll = %s: no such poll; the widget is left out", poll_id)
        return None
    if settings["shared_cache"]:  # the same HTML for every reader: no token, no cookie read
        if polls.state(results, clock.now()) == polls.OPEN_STATE:
            return {"results": results, "shared": True}
        return {**views.reader_view(results, personal=False), "shared": False}
    form = shared(lambda: render_template("survey_poll/_form.html", results=results, message=None, chosen=[]))
    return {"results": results, "shared": False, "body": per_reader(reader_body, poll_id, form)}


def reader_body(poll_id: int, form) -> Markup | None:
    """This reader's view of the poll: the vote form (shared, with their own CSRF token)
    if they may vote, else the results."""
    results = poll_results.load(poll_id)
    if results is None:
        return None
    view = views.reader_view(results)
    if view["vote_form"] and not view["message"]:
        return Markup(form.fill())
    return Markup(render_template("survey_poll/_body.html", **view))
