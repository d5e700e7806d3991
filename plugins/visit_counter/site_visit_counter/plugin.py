"""The visit counter's hooks (entry point ``visit_counter = site_visit_counter.plugin``)."""
from site_core.api import Setting, Widget, hookimpl

from . import beacon, cli, counting, demo, models, state, widget  # noqa: F401  (models: tables)

SITE_CORE_API = "1.0"  # the plugin API this plugin is written for


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
        "cache_seconds": Setting(0, minimum=0, maximum=24 * 3600,
                                 help="seconds the rendered widget may be reused; 0 shows live figures"),
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
                   cache_seconds=plugin.settings["cache_seconds"], cache_key=lambda page: "site")]


@hookimpl
def site_assets(plugin):
    return ["visit_counter.css"] + (["beacon.js"] if plugin.settings["mode"] == "beacon" else [])


@hookimpl
def site_page_view(response, plugin):
    if plugin.settings["mode"] != "server":
        return
    counting.count_this_request(response)


@hookimpl
def site_demo_data(plugin):
    return demo.load(plugin.settings)
