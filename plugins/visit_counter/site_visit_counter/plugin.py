"""The visit counter's hooks (entry point ``visit_counter = site_visit_counter.plugin``)."""
from site_core.api import Cookie, DataKept, PrivacyNotice, Setting, Widget, cookie_name, hookimpl, is_page_view

from . import beacon, cli, counting, demo, models, state, visitors, widget  # noqa: F401  (models: tables)

SITE_CORE_API = "1.1"  # the plugin API this plugin is written for (1.1: Widget.varies)


@hookimpl
def site_plugin_settings():
    return {
        "mode": Setting("server", choices=("server", "beacon"),
                        help="server: count in the page request; beacon: count with a script "
                             "POSTing to /visit_counter/hit (for sites behind a page cache or CDN)"),
        "visit_window_minutes": Setting(30, minimum=1, maximum=24 * 60,
                                        help="minutes of inactivity after which a page view starts a new visit"),
        "online_minutes": Setting(0, minimum=0, maximum=24 * 60,
                                  help="show 'Đang online' (visitors seen in the last N minutes); 0 hides it"),
        "initial_total": Setting(0, minimum=0, help="visits counted before this counter (added to 'Tất cả')"),
        "cache_seconds": Setting(5, minimum=0, maximum=24 * 3600,
                                 help="seconds the figures are shared by every reader (each worker renders "
                                      "them at most this often); 0 renders them for every page view"),
        "write_interval_ms": Setting(250, minimum=0, maximum=60_000,
                                     help="page views wait in their worker up to this long and are written "
                                          "together; 0 writes each when its request ends (see the README)"),
        "cookie": Setting(True, help="recognise visitors by a signed cookie that lasts one visit window; "
                                     "false: only by the daily keyed hash of address and User-Agent"),
    }


@hookimpl
def site_setup(app, plugin):
    counting.init_app(app, state.init_app(app, plugin))
    plugin.teardown_request(counting.flush)
    beacon.register(plugin.blueprint)
    cli.register(plugin)


@hookimpl
def site_widgets(plugin):
    return [Widget(title="Thống kê truy cập", template="visit_counter/widget.html",
                   context=widget.context, position=10,
                   varies=plugin.settings["cache_seconds"] or "reader",
                   cache_key=lambda page: ("site", is_page_view()))]


@hookimpl
def site_assets(plugin):
    return ["visit_counter.css"] + (["beacon.js"] if plugin.settings["mode"] == "beacon" else [])


@hookimpl
def site_page_view(response, plugin):
    if plugin.settings["mode"] != "server":
        return
    # The widget, when it drew the figures in this request, decided the page view already (with the
    # lookup showing whether it starts a visit); else, as with the figures shared for ``cache_seconds``,
    # no figures need it: the written upsert decides, so no read.
    counting.count_this_request(response, shown=False)


@hookimpl
def site_demo_data(plugin):
    return demo.load(plugin.settings)


@hookimpl
def site_privacy_notice(plugin):
    settings = plugin.settings
    kept = max(settings["visit_window_minutes"], settings["online_minutes"])
    cookies = [Cookie(cookie_name(visitors.COOKIE_NAME),
                      "Nhận ra lượt truy cập đang diễn ra để không đếm một người hai lần; chứa một mã "
                      "ngẫu nhiên và thời điểm xem trang gần nhất, có chữ ký.",
                      max_age=int(counting.window(settings).total_seconds()))]
    return PrivacyNotice(
        summary="Bộ đếm truy cập đếm số lượt truy cập và lượt xem trang. Không lưu địa chỉ IP "
                "hay tên trình duyệt của bạn.",
        cookies=cookies if settings["cookie"] else [],
        data=[
            DataKept("Số lượt truy cập, lượt xem trang và lượt xem của máy tìm kiếm theo ngày: chỉ là số tổng, "
                     "không gắn với người đọc nào.", "lâu dài"),
            DataKept("Mã lượt truy cập (mã ngẫu nhiên của cookie, hoặc mã băm có khóa của địa chỉ mạng và "
                     "trình duyệt, không thể đảo ngược) và thời điểm xem trang gần nhất.",
                     f"{kept} phút sau lần xem trang cuối, rồi bị xóa"),
            DataKept("Khóa băm của mỗi ngày (để không ai, kể cả quản trị viên, lần ngược mã băm ra địa chỉ).",
                     "đến khi lượt truy cập cuối của ngày đó kết thúc, rồi bị xóa"),
        ],
    )
