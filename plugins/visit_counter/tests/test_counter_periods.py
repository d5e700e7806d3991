"""Periods in the site's time zone: today, yesterday, week (Monday first), month, all time."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
import sqlalchemy as sa
from hypothesis import example, given, settings, strategies as st

from site_core import clock, create_app
from site_core.db import db
from site_visit_counter.counting import write_pending
from site_visit_counter.figures import figures
from site_visit_counter.models import days
from site_visit_counter.periods import Periods, bucket

UTC = dt.timezone.utc


def visits(stats, app):
    figures = stats(app)
    return {period: figures[period]["visits"] for period in ("today", "yesterday", "week", "month", "total")}


def test_midnight_in_ho_chi_minh_city_is_1700_utc(site_app, visit, stats):
    clock.freeze(site_app, dt.datetime(2024, 5, 6, 16, 59, 59, 999999, tzinfo=UTC))
    visit(site_app.test_client(), ip="192.0.2.1")
    clock.freeze(site_app, dt.datetime(2024, 5, 6, 17, 0, 0, tzinfo=UTC))
    visit(site_app.test_client(), ip="192.0.2.2")
    assert visits(stats, site_app) == {"today": 1, "yesterday": 1, "week": 2, "month": 2, "total": 2}


def test_utc_midnight_does_not_split_the_sites_day(site_app, visit, stats):
    clock.freeze(site_app, dt.datetime(2024, 5, 6, 23, 59, tzinfo=UTC))  # 06:59 on the 7th, local
    visit(site_app.test_client(), ip="192.0.2.1")
    clock.freeze(site_app, dt.datetime(2024, 5, 7, 0, 1, tzinfo=UTC))  # 07:01 local
    visit(site_app.test_client(), ip="192.0.2.2")
    assert visits(stats, site_app)["today"] == 2


def test_the_year_end(site_app, at, visit, stats):
    at(site_app, "2024-12-30 09:00:00")  # Monday
    visit(site_app.test_client(), ip="192.0.2.1")
    at(site_app, "2024-12-31 23:59:59")
    visit(site_app.test_client(), ip="192.0.2.2")
    visit(site_app.test_client(), ip="192.0.2.3")
    at(site_app, "2025-01-01 00:00:00")  # Wednesday: same week, new month and year
    visit(site_app.test_client(), ip="192.0.2.4")
    assert visits(stats, site_app) == {"today": 1, "yesterday": 2, "week": 4, "month": 1, "total": 4}


def test_the_month_end_inside_a_week(site_app, at, visit, stats):
    at(site_app, "2024-04-30 20:00:00")  # Tuesday
    visit(site_app.test_client(), ip="192.0.2.1")
    at(site_app, "2024-05-01 06:00:00")
    visit(site_app.test_client(), ip="192.0.2.2")
    assert visits(stats, site_app) == {"today": 1, "yesterday": 1, "week": 2, "month": 1, "total": 2}


def test_the_week_starts_on_monday(site_app, at, visit, stats):
    at(site_app, "2024-05-12 23:30:00")  # Sunday
    visit(site_app.test_client(), ip="192.0.2.1")
    at(site_app, "2024-05-13 00:30:00")  # Monday
    visit(site_app.test_client(), ip="192.0.2.2")
    assert visits(stats, site_app) == {"today": 1, "yesterday": 1, "week": 1, "month": 2, "total": 2}


def test_a_day_without_visits_shows_zero_yesterday(site_app, at, visit, stats):
    at(site_app, "2024-05-06 10:00:00")
    visit(site_app.test_client(), ip="192.0.2.1")
    at(site_app, "2024-05-08 10:00:00")
    visit(site_app.test_client(), ip="192.0.2.2")
    assert visits(stats, site_app) == {"today": 1, "yesterday": 0, "week": 2, "month": 2, "total": 2}


def test_the_figures_move_on_at_midnight_without_any_new_visit(site_app, at, visit, figures_shown):
    at(site_app, "2024-05-06 23:59:00")
    visit(site_app.test_client(), ip="192.0.2.1")
    at(site_app, "2024-05-07 00:00:30")  # the same reader, still in the same visit
    shown = figures_shown(visit(site_app.test_client(), ip="192.0.2.1",
                                **{"Sec-Purpose": "prefetch"}).get_data(as_text=True))
    assert (shown["today"], shown["yesterday"], shown["total"]) == (0, 1, 1)


def test_a_naive_datetime_is_refused_never_taken_as_local(site_app):
    with site_app.app_context():
        with pytest.raises((TypeError, ValueError)):
            bucket(dt.datetime(2024, 5, 6, 12, 0))


def test_an_unknown_site_timezone_stops_start_up_naming_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("SITE_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ZoneInfoNotFoundError, match="SITE_TIMEZONE"):
        create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "SITE_TIMEZONE": "Asia/Hanoi_Typo",
                    "PLUGINS": {"enabled": ["visit_counter"]}})


ZONES = ["Asia/Ho_Chi_Minh", "Europe/Berlin", "America/Sao_Paulo", "Pacific/Apia", "Australia/Lord_Howe"]
instants = st.datetimes(min_value=dt.datetime(2010, 1, 1), max_value=dt.datetime(2035, 12, 31),
                        timezones=st.just(UTC))


def test_a_day_bucket_contains_its_instant_and_the_periods_nest(site_app_factory):
    apps = {zone: site_app_factory({"SITE_TIMEZONE": zone, "PLUGINS": {"enabled": ["visit_counter"]}},
                                   create_tables=False) for zone in ZONES}

    @settings(max_examples=60, deadline=None)
    @given(zone=st.sampled_from(ZONES), instant=instants)
    @example(zone="Asia/Ho_Chi_Minh", instant=dt.datetime(2024, 12, 31, 16, 59, 59, 999999, tzinfo=UTC))
    @example(zone="Asia/Ho_Chi_Minh", instant=dt.datetime(2024, 12, 31, 17, 0, tzinfo=UTC))
    @example(zone="America/Sao_Paulo", instant=dt.datetime(2018, 11, 4, 3, 0, tzinfo=UTC))  # midnight skipped
    @example(zone="Europe/Berlin", instant=dt.datetime(2024, 10, 27, 0, 30, tzinfo=UTC))  # 25-hour day
    @example(zone="Pacific/Apia", instant=dt.datetime(2011, 12, 30, 10, 0, tzinfo=UTC))  # a skipped date
    def check(zone, instant):
        with apps[zone].app_context():
            day = bucket(instant)
            start, end = clock.day_bounds(day)
            assert start <= instant < end
            assert instant.astimezone(ZoneInfo(zone)).date() == day
            periods = Periods(day)
            assert periods.yesterday == day - dt.timedelta(days=1)
            assert periods.week_start.weekday() == 0 and periods.week_start <= day < periods.week_start + dt.timedelta(days=7)
            assert periods.month_start == day.replace(day=1) <= day

    check()


history = st.dictionaries(st.integers(min_value=-70, max_value=0), st.integers(min_value=0, max_value=10**6),
                          max_size=40)


def test_the_figures_are_sums_of_daily_visits(site_app):
    @settings(max_examples=50, deadline=None)
    @given(today=st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2035, 12, 31)), history=history,
           initial=st.integers(min_value=0, max_value=10**9))
    @example(today=dt.date(2025, 1, 1), history={0: 5, -1: 7, -2: 11, -3: 13}, initial=0)  # Wednesday, new year
    @example(today=dt.date(2024, 3, 1), history={0: 1, -1: 2, -29: 3, -30: 4}, initial=9)  # after 29 February
    def check(today, history, initial):
        rows = {today + dt.timedelta(days=offset): n for offset, n in history.items()}
        with site_app.app_context(), db.engine.begin() as connection:
            connection.execute(sa.delete(days))
            if rows:
                connection.execute(sa.insert(days), [{"day": d, "visits": n} for d, n in rows.items()])
            shown = figures(connection, today, initial, cached=False)
        month = sum(n for d, n in rows.items() if (d.year, d.month) == (today.year, today.month))
        week = sum(n for d, n in rows.items() if clock.week_start(today) <= d)
        assert shown.today.visits == rows.get(today, 0)
        assert shown.yesterday.visits == rows.get(today - dt.timedelta(days=1), 0)
        assert shown.month.visits == month
        assert shown.week.visits == week
        assert shown.total.visits == sum(rows.values()) + initial
        assert shown.today.visits <= shown.week.visits and shown.today.visits <= shown.month.visits
        assert shown.month.visits <= shown.total.visits

    check()


def test_reading_the_figures_costs_the_same_however_old_the_site_is(counter_app, at, visit, statements_sent):
    def statements_of_second_page(history_days: int) -> list[str]:
        app = counter_app()
        at(app, "2024-05-06 10:00:00")
        first = dt.date(2024, 5, 5)
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(sa.insert(days), [{"day": first - dt.timedelta(days=n), "visits": 1500}
                                                 for n in range(history_days)])
        visit(app.test_client(), ip="192.0.2.1")  # the sums of finished days are computed once
        with statements_sent(app) as seen:
            html = visit(app.test_client(), ip="192.0.2.2").get_data(as_text=True)
            write_pending(app)
        assert f'data-period="total" data-count="{1500 * history_days + 2}"' in html
        return [s for s in seen if "visit_counter" in s]

    young, old = statements_of_second_page(3), statements_of_second_page(3000)
    assert len(young) == len(old)
    assert [s for s in old if s.startswith("INSERT INTO visit_counter_days")]  # the page view's write is seen too
    assert not [s for s in old if "sum(" in s.lower()]  # no aggregate over history per page
