"""The admin's commands: `flask counter stats | import FILE | cleanup`, and the demo data."""
from __future__ import annotations

import pytest


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_stats_prints_the_five_figures_with_page_views_and_bots(site_app, at, visit):
    at(site_app, "2024-05-06 10:00:00")
    client = site_app.test_client()
    visit(client)
    visit(client)
    visit(site_app.test_client(), ua="Googlebot/2.1 (+http://www.google.com/bot.html)")
    output = run(site_app, "counter", "stats").output
    lines = output.splitlines()
    assert lines[0].startswith("06/05/2024")
    assert [line.split()[0] for line in lines[2:7]] == ["Hôm", "Hôm", "Tuần", "Tháng", "Tất"]
    assert lines[2].split()[-3:] == ["1", "2", "1"]  # visits, page views, bots
    assert "Đang online: 1" in output


def test_import_loads_an_old_counters_daily_totals(counter_app, at, tmp_path, stats, figures_shown, visit):
    app = counter_app(initial_total=1_000_000)
    at(app, "2020-03-04 10:00:00")
    history = tmp_path / "vinaora.csv"
    history.write_text("date,visits\n2020-03-03,1590\n2020-03-02,1440\n2020-02-29,1000\n2019-12-31,168087\n",
                       encoding="utf-8")
    visit(app.test_client())  # the sums of finished days were cached before the import ...
    result = run(app, "counter", "import", str(history))
    assert result.exit_code == 0, result.output
    assert "imported 4 days" in result.output
    shown = figures_shown(visit(app.test_client(), ip="192.0.2.99").get_data(as_text=True))
    assert shown == {"today": 2, "yesterday": 1590, "week": 1590 + 1440 + 2, "month": 1590 + 1440 + 2,
                     "total": 1_000_000 + 1590 + 1440 + 1000 + 168087 + 2}  # ... and show it at once
    again = run(app, "counter", "import", str(history))
    assert again.exit_code == 0
    assert stats(app)["total"]["visits"] == 1_000_000 + 1590 + 1440 + 1000 + 168087 + 2  # idempotent


def test_a_bad_line_is_reported_and_the_others_still_import(site_app, at, tmp_path, stats):
    at(site_app, "2020-03-04 10:00:00")
    history = tmp_path / "history.csv"
    history.write_text("\n".join([
        "2020-03-01,100",
        "02/03/2020,5",          # not ISO
        "2020-03-02,-4",         # negative
        "2020-03-02,12.5",       # not whole
        "2020-03-02",            # one field
        "2020-03-04,7",          # today: still being counted
        "2021-01-01,7",          # future
        "2020-03-01,200",        # listed twice
        "2020-02-30,1",          # no such day
        "2020-03-03,99999999999999999999",
        "2020-03-03,300",
    ]) + "\n", encoding="utf-8")
    result = run(site_app, "counter", "import", str(history))
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith(str(history))]
    assert [int(line.split(":")[1]) for line in errors] == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert "not finished yet" in errors[4]
    assert stats(site_app)["total"]["visits"] == 400


def test_import_refuses_a_file_that_is_not_text(site_app, tmp_path, stats):
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    result = run(site_app, "counter", "import", str(binary))
    assert result.exit_code == 1 and "not a UTF-8 CSV" in result.output
    assert stats(site_app)["total"]["visits"] == 0


def test_demo_data_looks_like_the_seed_page_and_loading_it_twice_changes_nothing(site_app, at, stats):
    at(site_app, "2020-03-02 10:21:41")
    first = run(site_app, "load-demo")
    assert first.exit_code == 0, first.output
    figures = stats(site_app)
    assert 2_165_000 <= figures["total"]["visits"] <= 2_175_000
    assert 1400 <= figures["yesterday"]["visits"] <= 1600
    assert 0 < figures["today"]["visits"] < 1600
    assert figures["month"]["visits"] == figures["today"]["visits"] + figures["yesterday"]["visits"]
    assert figures["total"]["bot_views"] > 0
    second = run(site_app, "load-demo")
    assert second.exit_code == 0
    assert "visit_counter: 0 of" in second.output
    assert stats(site_app) == figures


@pytest.mark.parametrize("settings, message", [
    ({"visit_window_minutes": 0}, "visit_window_minutes"),
    ({"initial_total": -5}, "initial_total"),
    ({"initial_total": "2171121"}, "initial_total"),
    ({"online_minutes": 5.5}, "online_minutes"),
    ({"windows": 30}, "windows"),
])
def test_a_wrong_setting_stops_start_up_naming_it(counter_app, settings, message):
    from site_core.settings import SettingError

    with pytest.raises(SettingError, match=message):
        counter_app(**settings)
