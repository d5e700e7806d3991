"""What readers see: the seed page's counter, in Vietnamese, live."""
from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import sqlalchemy as sa

from site_core.db import db
from site_visit_counter.counting import write_pending
from site_visit_counter.models import days


class Rows(HTMLParser):
    """The counter's rows as (label, shown text, data-period, data-count)."""

    def __init__(self):
        super().__init__()
        self.rows, self.current, self.cell = [], None, None
        self.title = None
        self.in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-period" in attrs:
            self.current = [None, None, attrs["data-period"], attrs["data-count"]]
        elif tag in ("th", "td") and self.current is not None:
            self.cell = 0 if tag == "th" else 1
        elif tag == "h2" and attrs.get("id") == "widget-visit_counter-title":
            self.in_title = True

    def handle_data(self, data):
        if self.cell is not None:
            self.current[self.cell] = data.strip()
        if self.in_title:
            self.title = data.strip()

    def handle_endtag(self, tag):
        if tag in ("th", "td"):
            self.cell = None
        elif tag == "tr" and self.current is not None:
            self.rows.append(tuple(self.current))
            self.current = None
        elif tag == "h2":
            self.in_title = False


def parse(html: str) -> Rows:
    parser = Rows()
    parser.feed(html)
    return parser


def put_days(app, **visits_by_iso_day):
    with app.app_context(), db.engine.begin() as connection:
        for day, visits in visits_by_iso_day.items():
            connection.execute(sa.insert(days).values(day=dt.date.fromisoformat(day.lstrip("d").replace("_", "-")),
                                                      visits=visits))


def test_the_widget_shows_the_seed_pages_rows_in_order_with_vietnamese_numbers(counter_app, at, visit):
    app = counter_app(initial_total=2_169_000)
    at(app, "2020-03-04 10:00:00")  # a Wednesday
    put_days(app, d2020_03_03=1590, d2020_03_02=1440, d2020_02_29=1000)
    html = visit(app.test_client()).get_data(as_text=True)
    page = parse(html)
    assert page.title == "Thống kê truy cập"
    assert [(label, period) for label, _, period, _ in page.rows] == [
        ("Hôm nay", "today"), ("Hôm qua", "yesterday"), ("Tuần này", "week"),
        ("Tháng này", "month"), ("Tất cả", "total")]
    shown = {period: (text, int(count)) for _, text, period, count in page.rows}
    assert shown["today"] == ("1", 1)
    assert shown["yesterday"] == ("1.590", 1590)
    assert shown["week"] == ("3.031", 1440 + 1590 + 1)
    assert shown["month"] == ("3.031", 3031)
    assert shown["total"] == ("2.173.031", 2_169_000 + 1000 + 3031)
    assert '<section class="widget" data-widget="visit_counter"' in html


def test_a_readers_own_first_visit_is_in_the_figures_on_the_page_they_open(site_app, visit, figures_shown):
    first = figures_shown(visit(site_app.test_client()).get_data(as_text=True))
    assert first["today"] == 1 and first["total"] == 1
    newcomer = site_app.test_client()
    second = figures_shown(visit(newcomer, ip="192.0.2.9", ua="Mozilla/5.0 Firefox/128.0").get_data(as_text=True))
    assert second["today"] == 2
    again = figures_shown(visit(newcomer, ip="192.0.2.9", ua="Mozilla/5.0 Firefox/128.0").get_data(as_text=True))
    assert again["today"] == 2  # the same visit goes on


def test_the_online_row_is_hidden_by_default_and_counts_recent_visitors_when_on(counter_app, visit, at,
                                                                                 figures_shown):
    assert "online" not in figures_shown(visit(counter_app().test_client()).get_data(as_text=True))
    app = counter_app(online_minutes=5)
    at(app, "2024-05-06 08:00:00")
    client = app.test_client()
    visit(client, ip="192.0.2.1")
    at(app, "2024-05-06 08:03:00")
    visit(app.test_client(), ip="192.0.2.2")
    write_pending(app)  # online counts the visitors written (each worker writes every write_interval_ms)
    html = visit(app.test_client(), ip="192.0.2.3").get_data(as_text=True)
    assert figures_shown(html)["online"] == 3
    assert "Đang online" in html
    at(app, "2024-05-06 08:07:00")  # the first visitor has been idle for 7 minutes
    assert figures_shown(visit(app.test_client(), ip="192.0.2.3").get_data(as_text=True))["online"] == 2


def test_the_figures_are_shared_for_five_seconds_by_default_and_live_with_0(site_app_factory, counter_app,
                                                                             visit, figures_shown):
    from site_core import clock

    shared = site_app_factory({"PLUGINS": {"enabled": ["visit_counter"]}})  # the plugin's defaults
    start = dt.datetime.now(dt.timezone.utc)
    clock.freeze(shared, start)
    visit(shared.test_client(), ip="192.0.2.1")
    html = visit(shared.test_client(), ip="192.0.2.2").get_data(as_text=True)
    assert figures_shown(html)["today"] == 1  # the figures of the first page, shared
    clock.freeze(shared, start + dt.timedelta(seconds=4.9))
    assert figures_shown(visit(shared.test_client(), ip="192.0.2.3").get_data(as_text=True))["today"] == 1
    clock.freeze(shared, start + dt.timedelta(seconds=5))
    write_pending(shared)  # page views counted on shared figures are not looked up: their visits show once written
    assert figures_shown(visit(shared.test_client(), ip="192.0.2.4").get_data(as_text=True))["today"] == 4
    write_pending(shared)
    with shared.app_context(), db.engine.connect() as connection:
        assert connection.execute(sa.select(days.c.visits)).scalar() == 4  # every page view counted
    live = counter_app(cache_seconds=0)
    visit(live.test_client(), ip="192.0.2.1")
    assert figures_shown(visit(live.test_client(), ip="192.0.2.2").get_data(as_text=True))["today"] == 2


def test_the_stylesheet_is_linked_and_no_script_is_added_in_server_mode(site_client, visit):
    html = visit(site_client).get_data(as_text=True)
    assert "/visit_counter/static/visit_counter.css" in html
    assert "beacon.js" not in html
    assert "style=" not in html.split('data-widget="visit_counter"')[1].split("</section>")[0]


def test_numbers_follow_the_sites_locale(counter_app, visit, figures_shown):
    app = counter_app({"SITE_LOCALE": "en_US"}, initial_total=1_234_567)
    html = visit(app.test_client()).get_data(as_text=True)
    assert "1,234,568" in html and figures_shown(html)["total"] == 1_234_568


def test_the_own_visit_shown_is_exact_for_returning_and_cookie_less_readers(site_app, visit, figures_shown):
    for _ in range(3):  # no cookies: the same address and browser, recognised by the keyed hash
        shown = figures_shown(visit(site_app.test_client(use_cookies=False)).get_data(as_text=True))
        assert shown["today"] == 1
    with_cookie = site_app.test_client()
    for _ in range(3):
        shown = figures_shown(visit(with_cookie, ip="192.0.2.50").get_data(as_text=True))
        assert shown["today"] == 2
