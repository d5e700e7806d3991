"""Which poll the widget shows, with the list of polls cached for a few seconds.

Opening and closing times are compared with the clock on every page; only
an admin's close made in another process (``flask poll close`` on a
per-process cache) reaches the widget up to ``CURRENT_SECONDS`` late, and
the widget each worker shares between readers up to ``SHARED_SECONDS`` later
— and the vote refuses at once, since it checks the poll in its own transaction.
"""
import datetime as dt
import time

import pytest
import sqlalchemy as sa

from site_core import clock

UTC = dt.timezone.utc
NOW = dt.datetime(2025, 9, 1, 3, 0, tzinfo=UTC)


def shows_poll(client) -> bool:
    return 'data-widget="survey_poll"' in client.get("/").get_data(as_text=True)


def close_elsewhere(app, poll_id):
    """What ``flask poll close`` in another process does to this process: the row only."""
    from site_core.db import db
    from site_survey_poll.models import CLOSED, polls

    with app.app_context():
        db.session.execute(sa.update(polls).where(polls.c.id == poll_id).values(status=CLOSED))
        db.session.commit()


def test_a_cached_poll_leaves_the_widget_at_its_closing_time(site_app, site_client, make_poll):
    clock.freeze(site_app, NOW)
    make_poll(closes_at=NOW + dt.timedelta(hours=1))
    assert shows_poll(site_client)
    clock.freeze(site_app, NOW + dt.timedelta(hours=1))
    assert not shows_poll(site_client)


def test_a_new_poll_and_a_close_in_this_process_show_at_once(site_app, site_client, make_poll):
    from site_survey_poll.polls import close_poll

    first = make_poll(question="Câu hỏi thứ nhất?")
    assert "Câu hỏi thứ nhất?" in site_client.get("/").get_data(as_text=True)
    second = make_poll(question="Câu hỏi thứ hai?")
    assert "Câu hỏi thứ hai?" in site_client.get("/").get_data(as_text=True)
    with site_app.app_context():
        close_poll(second)
        close_poll(first)
    assert not shows_poll(site_client)


def test_a_close_in_another_process_shows_late_but_refuses_votes_at_once(
        site_app, site_client, poll, kit, monkeypatch):
    import cachelib.simple
    from site_survey_poll import polls
    from site_survey_poll.plugin import SHARED_SECONDS

    cache_clock = [time.time()]  # the in-process cache's clock, moved by hand
    monkeypatch.setattr(cachelib.simple, "time", lambda: cache_clock[0])
    assert shows_poll(site_client)
    close_elsewhere(site_app, poll)
    cache_clock[0] += polls.CURRENT_SECONDS - 1
    assert shows_poll(site_client)  # the cached list, for at most CURRENT_SECONDS
    token = kit.csrf_token(site_client, "/")
    response = kit.vote(site_client, poll, kit.option_ids(site_app, poll)[0], token=token)
    assert response.status_code == 409 and sum(kit.tallies(site_app, poll).values()) == 0
    cache_clock[0] += 2
    clock.freeze(site_app, dt.datetime.now(UTC) + dt.timedelta(seconds=SHARED_SECONDS))
    assert not shows_poll(site_client)


@pytest.mark.parametrize("poll_settings", [{"results_cache_seconds": 0}])
def test_without_the_results_cache_the_list_is_not_cached_either(site_app, site_client, poll, poll_settings):
    assert shows_poll(site_client)
    close_elsewhere(site_app, poll)
    assert not shows_poll(site_client)
