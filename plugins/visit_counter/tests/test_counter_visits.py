"""What counts as a visit: the window, the cookie, the cookie-less hash, no IP kept."""
from __future__ import annotations

import sqlalchemy as sa

from site_core.db import db
from site_visit_counter.counting import write_pending


def totals(stats, app):
    today = stats(app)["today"]
    return today["visits"], today["page_views"]


def test_page_views_within_the_window_are_one_visit_and_a_pause_starts_another(counter_app, at, visit, stats):
    app = counter_app()
    client = app.test_client()
    at(app, "2024-05-06 08:00:00")
    visit(client)
    at(app, "2024-05-06 08:10:00")
    visit(client)
    assert totals(stats, app) == (1, 2)
    at(app, "2024-05-06 08:40:01")  # 30 min 1 s of inactivity
    visit(client)
    assert totals(stats, app) == (2, 3)


def test_the_window_is_inactivity_not_time_since_the_first_page(counter_app, at, visit, stats):
    app = counter_app()
    client = app.test_client()
    for minute in range(0, 120, 20):  # a page every 20 minutes for two hours
        at(app, f"2024-05-06 09:{minute % 60:02d}:00".replace("09:", f"{9 + minute // 60:02d}:"))
        visit(client)
    assert totals(stats, app) == (1, 6)


def test_the_window_is_a_setting(counter_app, at, visit, stats):
    app = counter_app(visit_window_minutes=5)
    client = app.test_client()
    at(app, "2024-05-06 08:00:00")
    visit(client)
    at(app, "2024-05-06 08:06:00")
    visit(client)
    assert totals(stats, app) == (2, 2)


def test_different_readers_are_different_visits(site_app, visit, stats):
    for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        visit(site_app.test_client(), ip=ip)
    assert totals(stats, site_app) == (3, 3)


def test_each_request_is_decided_anew_when_requests_share_an_app_context(site_app, visit, stats):
    """A script (or test) that keeps one app context open: every page view is its own."""
    with site_app.app_context():
        for n in range(3):
            visit(site_app.test_client(), ip=f"203.0.113.{n + 1}")
    assert totals(stats, site_app) == (3, 3)


def test_the_cookie_keeps_a_reader_one_visitor_when_their_address_changes(site_app, visit, stats):
    client = site_app.test_client()
    visit(client, ip="192.0.2.1")
    visit(client, ip="203.0.113.50")  # mobile network handover
    assert totals(stats, site_app) == (1, 2)


def test_the_cookie_is_signed_first_party_http_only_and_lasts_one_window(site_app, visit):
    response = visit(site_app.test_client())
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("visit_counter="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Max-Age=1800" in cookie
    assert "Domain" not in cookie


def test_over_https_the_cookie_is_secure_with_the_host_prefix(counter_app, visit):
    app = counter_app({"SITE_HTTPS": True})
    response = visit(app.test_client(), path="/", base_url="https://localhost")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "visit_counter" in c)
    assert cookie.startswith("__Host-visit_counter=") and "Secure" in cookie


def test_without_cookies_the_same_address_and_browser_are_one_visitor(site_app, visit, stats):
    for _ in range(3):
        visit(site_app.test_client(use_cookies=False), ip="192.0.2.1")
    visit(site_app.test_client(use_cookies=False), ip="192.0.2.1", ua="Mozilla/5.0 Firefox/128.0")
    assert totals(stats, site_app) == (2, 4)


def test_with_cookies_off_in_the_settings_no_cookie_is_set_and_the_hash_recognises(counter_app, visit, stats):
    app = counter_app(cookie=False)
    client = app.test_client()
    response = visit(client)
    assert not [c for c in response.headers.getlist("Set-Cookie") if "visit_counter" in c]
    visit(client)
    assert totals(stats, app) == (1, 2)


def test_a_cookie_less_visit_across_the_sites_midnight_stays_one_visit(counter_app, at, visit, stats):
    app = counter_app()
    at(app, "2024-05-06 23:50:00")
    visit(app.test_client(use_cookies=False))
    at(app, "2024-05-07 00:10:00")  # 17:10 UTC: the salt of the new day is in use
    visit(app.test_client(use_cookies=False))
    figures = stats(app)
    assert (figures["yesterday"]["visits"], figures["today"]["visits"]) == (1, 0)
    assert figures["today"]["page_views"] == 1
    at(app, "2024-05-07 00:45:00")  # 35 minutes idle: a new visit, under today's key
    visit(app.test_client(use_cookies=False))
    assert stats(app)["today"]["visits"] == 1


def test_just_after_midnight_a_cookie_less_view_is_counted_while_the_database_cannot_be_read(
        counter_app, at, visit, stats, monkeypatch):
    """Whether a visit from yesterday goes on needs a read; without the database the page view
    still counts, under today's id."""
    from site_visit_counter import store

    app = counter_app()
    at(app, "2024-05-06 23:50:00")
    visit(app.test_client(use_cookies=False), ip="198.51.100.1")
    at(app, "2024-05-07 00:05:00")
    visit(app.test_client(use_cookies=False), ip="198.51.100.2")  # today's salt made and remembered

    def unreachable(*args):
        raise store.DatabaseError("connection refused")

    monkeypatch.setattr(store, "last_seen", unreachable)
    at(app, "2024-05-07 00:10:00")
    visit(app.test_client(use_cookies=False), ip="198.51.100.3")
    monkeypatch.undo()
    assert stats(app)["today"]["page_views"] == 2


def test_the_cookie_less_key_rotates_at_the_sites_midnight_and_old_salts_go(counter_app, at, visit):
    from site_visit_counter.models import salts, visitors

    app = counter_app()

    def stored():
        write_pending(app)
        with app.app_context(), db.engine.connect() as connection:
            keys = connection.execute(sa.select(visitors.c.key)).scalars().all()
            days = connection.execute(sa.select(salts.c.day)).scalars().all()
        return keys, sorted(str(d) for d in days)

    seen = []
    for day in ("2024-05-06", "2024-05-07", "2024-05-08"):
        at(app, f"{day} 10:00:00")
        visit(app.test_client(use_cookies=False))
        keys, salt_days = stored()
        assert len(keys) == 1  # yesterday's visitor row is gone (window closed)
        seen.append(keys[0])
    assert len(set(seen)) == 3  # same reader, same browser, a new unlinkable id each day
    assert salt_days == ["2024-05-08"]  # older salts deleted: yesterday's ids cannot be recomputed


def test_a_tampered_or_garbage_cookie_is_ignored_never_an_error(site_app, visit, stats):
    client = site_app.test_client()
    good = visit(client)
    value = client.get_cookie("visit_counter").value
    for bad in (value[:-3] + "AAA", "garbage", "x" * 3000, "é\x00", value.split(".")[0]):
        client.set_cookie("visit_counter", bad)
        assert visit(client, ip="192.0.2.200").status_code == 200
    assert good.status_code == 200
    visits, views = totals(stats, site_app)
    assert views == 6 and visits == 2  # the bad cookies fell back to one hashed visitor


def test_forged_forwarded_for_headers_do_not_make_new_visitors(site_app, visit, stats):
    for n in range(5):
        visit(site_app.test_client(use_cookies=False), **{"X-Forwarded-For": f"10.0.0.{n}",
                                                           "X-Real-IP": f"10.1.0.{n}",
                                                           "Client-IP": f"10.2.0.{n}"})
    assert totals(stats, site_app) == (1, 5)


def test_behind_one_trusted_proxy_the_forwarded_address_is_the_reader(counter_app, visit, stats):
    app = counter_app({"TRUSTED_PROXY_COUNT": 1})
    for n in range(3):
        visit(app.test_client(use_cookies=False), ip="127.0.0.1",
              **{"X-Forwarded-For": f"6.6.6.6, 192.0.2.{n}"})
    visit(app.test_client(use_cookies=False), ip="127.0.0.1", **{"X-Forwarded-For": "7.7.7.7, 192.0.2.0"})
    assert totals(stats, app) == (3, 4)  # only the rightmost value, set by our proxy, counts


def test_no_address_or_user_agent_is_stored_anywhere(site_app, visit):
    marker_ua = "Mozilla/5.0 MarkerBrowser/7.7"
    visit(site_app.test_client(), ip="203.0.113.77", ua=marker_ua)
    visit(site_app.test_client(use_cookies=False), ip="203.0.113.77", ua=marker_ua)
    visit(site_app.test_client(use_cookies=False), ip="2001:db8::77", ua=marker_ua)
    with site_app.app_context(), db.engine.connect() as connection:
        dumped = []
        for table in db.metadata.sorted_tables:
            dumped += [repr(tuple(row)) for row in connection.execute(sa.select(table))]
    text = "\n".join(dumped)
    assert "visit_counter_visitors" in {t.name for t in db.metadata.sorted_tables}
    assert dumped  # the visit was stored ...
    for secret in ("203.0.113.77", "2001:db8::77", "MarkerBrowser", "cb007135"):  # ... not who made it
        assert secret not in text


def test_a_cookie_signed_with_a_retired_key_still_counts_while_that_key_is_a_fallback(site_app_factory, visit,
                                                                                      stats):
    plugins = {"PLUGINS": {"enabled": ["visit_counter"]}}
    old = site_app_factory({**plugins, "SECRET_KEY": "o" * 32})
    shared = {"SQLALCHEMY_DATABASE_URI": old.config["SQLALCHEMY_DATABASE_URI"]}
    rotated = site_app_factory({**plugins, **shared, "SECRET_KEY": "n" * 32, "SECRET_KEY_FALLBACKS": ["o" * 32]},
                               create_tables=False)
    without = site_app_factory({**plugins, **shared, "SECRET_KEY": "n" * 32}, create_tables=False)
    cookie = visit(old.test_client(), ip="192.0.2.1").headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    write_pending(old)
    for app, visits in ((rotated, 1), (without, 2)):
        client = app.test_client()
        client.set_cookie("visit_counter", cookie)
        visit(client, ip="203.0.113.1", ua="Mozilla/5.0 Firefox/128.0")  # new address and browser
        assert stats(app)["today"]["visits"] == visits
