"""Page views wait in their worker and are written together (``write_interval_ms``)."""
from __future__ import annotations

import multiprocessing
import threading

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from site_core import clock
from site_core.db import db
from site_visit_counter import state
from site_visit_counter.counting import write_pending
from site_visit_counter.models import days


def stored_page_views(app) -> int:
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.coalesce(sa.func.sum(days.c.page_views), 0))).scalar()


def test_page_views_are_written_within_the_interval_without_another_request(counter_app, visit):
    app = counter_app(write_interval_ms=50)
    waiting = state.get(app).pending
    written, write = threading.Event(), waiting._write
    waiting._write = lambda batch: (write(batch), written.set())  # told when the thread has written
    for n in range(3):
        visit(app.test_client(), ip=f"192.0.2.{n + 1}")
    while stored_page_views(app) < 3:  # the three may take more than one batch
        assert written.wait(timeout=120), "the writer thread wrote nothing"  # a guard against hanging
        written.clear()
    assert stored_page_views(app) == 3


def test_with_interval_zero_each_page_view_is_written_as_its_request_ends(counter_app, visit):
    app = counter_app(write_interval_ms=0)
    visit(app.test_client())
    assert stored_page_views(app) == 1


def test_a_batch_is_one_transaction_with_one_upsert_per_day_and_per_new_visitor(counter_app, at, visit,
                                                                               statements_sent):
    app = counter_app(write_interval_ms=60_000)
    at(app, "2024-05-06 10:00:00")
    for n in range(5):
        visit(app.test_client(), ip=f"192.0.2.{n + 1}")
    reader = app.test_client()
    for _ in range(3):
        visit(reader, ip="198.51.100.1")  # one reader, three pages: one visitor upsert
    with app.app_context():  # the once-a-minute cleanup, a transaction after the batch's, has just run
        state.get(app).last_cleanup = clock.now().timestamp()
    with statements_sent(app) as seen:
        assert write_pending(app)
    writes = [s for s in seen if s.startswith("INSERT")]
    assert [s.split(" (")[0] for s in writes].count("INSERT INTO visit_counter_days") == 1
    assert [s.split(" (")[0] for s in writes].count("INSERT INTO visit_counter_visitors") == 6
    assert seen.count("COMMIT") == 1 and seen.count("BEGIN IMMEDIATE") <= 1  # BEGIN IMMEDIATE on SQLite
    shown = app.test_cli_runner().invoke(args=["counter", "stats", "--json"]).output
    assert '"today": {"visits": 6, "page_views": 8, "bot_views": 0}' in shown


def test_the_cleanup_runs_after_a_batch_is_written_never_in_a_page_request(counter_app, visit, statements_sent):
    app = counter_app(write_interval_ms=60_000)
    with statements_sent(app) as during_the_page:
        visit(app.test_client(), ip="192.0.2.1")
    with statements_sent(app) as writing:
        assert write_pending(app)
    assert not [s for s in during_the_page if s.startswith("DELETE")]
    assert any(s.startswith("DELETE FROM visit_counter_visitors") for s in writing)


def test_the_figures_include_page_views_not_written_yet(counter_app, visit, figures_shown):
    app = counter_app(write_interval_ms=60_000)
    visit(app.test_client(), ip="192.0.2.1")
    visit(app.test_client(), ip="192.0.2.2")
    html = visit(app.test_client(), ip="192.0.2.3").get_data(as_text=True)
    assert stored_page_views(app) == 0
    assert figures_shown(html)["today"] == 3 and figures_shown(html)["total"] == 3


def _child_writes(app, done):
    done.put(write_pending(app))


def test_a_forked_worker_does_not_write_its_parents_page_views_again(counter_app, visit):
    app = counter_app(write_interval_ms=60_000)
    visit(app.test_client(), ip="192.0.2.1")
    context = multiprocessing.get_context("fork")
    done = context.Queue()
    child = context.Process(target=_child_writes, args=(app, done))
    child.start()
    assert done.get(timeout=60) is True
    child.join(timeout=30)
    assert stored_page_views(app) == 0  # the child held nothing to write
    write_pending(app)
    assert stored_page_views(app) == 1


def test_the_figures_never_go_back_when_a_batch_lands_while_a_page_reads(counter_app, visit, figures_shown,
                                                                          monkeypatch):
    from site_visit_counter import store

    app = counter_app(write_interval_ms=60_000)
    for n in range(3):
        visit(app.test_client(), ip=f"192.0.2.{n + 1}")
    before = figures_shown(visit(app.test_client(), ip="192.0.2.4").get_data(as_text=True))["today"]
    assert before == 4
    write_pending(app)  # the batch leaves the pending views, while this page reads a snapshot from before it:
    last_seen_and_day = store.last_seen_and_day
    monkeypatch.setattr(store, "last_seen_and_day", lambda *args: (last_seen_and_day(*args)[0], (0, 0, 0)))
    monkeypatch.setattr(store, "today_counts", lambda connection, day: (0, 0, 0))
    after = figures_shown(visit(app.test_client(), ip="192.0.2.5").get_data(as_text=True))
    assert after["today"] >= before and after["total"] >= before


def spans_by_gaps(times: list[int], window: int) -> list[tuple[int, int]]:
    """A reader's page views cut into visits where the gap exceeds the window (the definition)."""
    spans = []
    for t in sorted(times):
        if spans and t - spans[-1][1] <= window:
            spans[-1] = (spans[-1][0], t)
        else:
            spans.append((t, t))
    return spans


@given(times=st.lists(st.integers(0, 20_000), min_size=1, max_size=30), cut=st.integers(0, 30),
       window=st.sampled_from([60, 1800]))
def test_a_batch_groups_a_readers_page_views_into_visits_whatever_their_order(times, cut, window):
    """However the page views arrive, and when a failed batch is taken back into the next one,
    a reader's entries are exactly their visits by the window: what the upserts then judge."""
    import datetime as dt

    from site_visit_counter.counting import Hit
    from site_visit_counter.pending import Batch

    def hit(t):
        return Hit("reader", t, dt.date(2024, 5, 6), goes_on=False, touch=True, likely_new=False)

    whole = Batch(window)
    for t in times:
        whole.add(hit(t))
    earlier, later = Batch(window), Batch(window)
    for t in times[:cut]:
        earlier.add(hit(t))
    for t in times[cut:]:
        later.add(hit(t))
    later.absorb(earlier)
    wanted = spans_by_gaps(times, window)
    for batch in (whole, later):
        assert [(seen.first.seen, seen.last_seen) for seen in batch.visitors["reader"]] == wanted
        assert batch.size() == len(times)


def test_all_time_never_falls_when_yesterdays_page_views_are_written_after_todays_sums_were_cached(
        counter_app, at, visit, figures_shown):
    app = counter_app(write_interval_ms=60_000)
    at(app, "2024-05-06 23:59:50")
    totals = [figures_shown(visit(app.test_client(), ip="192.0.2.1").get_data(as_text=True))["total"]]
    at(app, "2024-05-07 00:10:00")  # yesterday's page view still waits; the finished days' sums are cached now
    totals.append(figures_shown(visit(app.test_client(), ip="192.0.2.2").get_data(as_text=True))["total"])
    assert write_pending(app)  # a late write to a finished day
    totals.append(figures_shown(visit(app.test_client(), ip="192.0.2.3").get_data(as_text=True))["total"])
    assert totals == [1, 2, 3]


def test_a_returning_readers_row_is_written_at_most_once_a_minute_for_the_online_figure(
        counter_app, at, visit, statements_sent):
    app = counter_app(online_minutes=5, write_interval_ms=60_000)
    reader = app.test_client()  # keeps the visit cookie
    times = ["2024-05-06 10:00:00", "2024-05-06 10:00:30", "2024-05-06 10:00:59", "2024-05-06 10:01:01"]
    touched = []
    for time in times:
        at(app, time)
        visit(reader)
        with statements_sent(app) as seen:
            assert write_pending(app)
        touched.append(sum(s.startswith("INSERT INTO visit_counter_visitors") for s in seen))
    assert touched == [1, 0, 0, 1]


def test_page_views_still_waiting_from_the_first_day_of_the_week_count_in_its_periods(counter_app, at, visit,
                                                                                     figures_shown):
    app = counter_app(write_interval_ms=60_000)
    at(app, "2024-05-06 23:59:50")  # a Monday
    visit(app.test_client(), ip="192.0.2.1")
    at(app, "2024-05-07 00:10:00")
    shown = figures_shown(visit(app.test_client(), ip="192.0.2.2").get_data(as_text=True))
    assert shown == {"today": 1, "yesterday": 1, "week": 2, "month": 2, "total": 2}


def test_a_page_view_on_shared_figures_reads_nothing_of_the_counter_and_still_counts_its_visit(
        counter_app, at, visit, statements_sent, stats):
    app = counter_app(cache_seconds=5, write_interval_ms=60_000)
    at(app, "2024-05-06 10:00:00")
    visit(app.test_client(), ip="192.0.2.1")  # draws the figures, shared for 5 s
    with statements_sent(app) as seen:
        assert visit(app.test_client(), ip="192.0.2.2").status_code == 200
    assert not [s for s in seen if "visit_counter" in s]  # no lookup of the reader: the write decides
    assert write_pending(app)
    assert stats(app)["today"]["visits"] == 2
