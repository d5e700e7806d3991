"""``flask counter``: stats, import of an old counter's history, cleanup."""
from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from site_core import clock
from site_core.api import db, format_number, write_transaction

from . import counting, state, store
from .figures import COLUMNS, PERIODS, figures, forget_finished

MAX_COUNT = 2**53  # a day's visits beyond this is a typo, not history


@click.group("counter")
def counter_command():
    """The visit counter: figures, history import, cleanup."""


@counter_command.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print raw numbers as JSON.")
@with_appcontext
def stats_command(as_json):
    """Print visits, page views and bot views for each period, and who is online."""
    settings = state.get().settings
    counting.write_pending()  # this process's own, if any (other workers write theirs within the interval)
    now = clock.now()
    today = counting.bucket(now)
    minutes = settings["online_minutes"] or settings["visit_window_minutes"]
    connection = db.session.connection()
    shown = figures(connection, today, settings["initial_total"], cached=False,
                    online=store.online(connection, int(now.timestamp()), minutes))
    if as_json:
        data = {period: dict(zip(COLUMNS, getattr(shown, period).astuple())) for period, _ in PERIODS}
        data.update(online=shown.online, online_minutes=minutes, date=today.isoformat(),
                    initial_total=settings["initial_total"])
        click.echo(json.dumps(data))
        return
    click.echo(f"{today:%d/%m/%Y}, {settings['mode']} mode, visit window {settings['visit_window_minutes']} min")
    table = [("", "Lượt truy cập", "Lượt xem trang", "Bot")]
    for period, label in PERIODS:
        table.append((label, *(format_number(n) for n in getattr(shown, period).astuple())))
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for row in table:
        click.echo(row[0].ljust(widths[0]) + "".join(f"  {cell.rjust(widths[i + 1])}" for i, cell in enumerate(row[1:])))
    click.echo(f"Đang online: {format_number(shown.online)} (last {minutes} min)")
    if settings["initial_total"]:
        click.echo(f"Tất cả includes initial_total = {format_number(settings['initial_total'])}")


@counter_command.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(file):
    """Load daily visit totals from a CSV file of `date,visits` lines.

    Dates are ISO (2020-03-02). Each listed day's visits are set to the value
    given, so importing the same file twice changes nothing. Today and later
    days are refused (today is still being counted). A bad line is reported
    as FILE:LINE: reason and the other lines still import.
    """
    today = counting.bucket(clock.now())
    rows, errors = read_history(file, today)
    for error in errors:
        click.echo(error, err=True)
    if rows:
        with write_transaction() as connection:
            for day, visits in rows.items():
                store.set_day_visits(connection, day, visits)
        forget_finished(today)
    click.echo(f"imported {len(rows)} days ({format_number(sum(rows.values()))} visits), "
               f"{len(errors)} lines refused")
    if errors:
        raise SystemExit(1)


def read_history(path: Path, today: dt.date) -> tuple[dict[dt.date, int], list[str]]:
    """The days and visits in ``path``, and one message per refused line."""
    rows: dict[dt.date, int] = {}
    errors: list[str] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for number, fields in enumerate(csv.reader(handle), start=1):
                if not fields or all(not f.strip() for f in fields):
                    continue
                if number == 1 and fields[0].strip().lower() in ("date", "day", "ngày", "ngay"):
                    continue  # header
                problem = _parse(fields, today, rows)
                if isinstance(problem, str):
                    errors.append(f"{path}:{number}: {problem}")
                else:
                    rows[problem[0]] = problem[1]
    except (UnicodeDecodeError, csv.Error) as error:
        errors.append(f"{path}: not a UTF-8 CSV file: {error}")
    return rows, errors


def _parse(fields: list[str], today: dt.date, seen: dict) -> tuple[dt.date, int] | str:
    if len(fields) != 2:
        return f"expected 2 fields (date,visits), got {len(fields)}"
    raw_day, raw_visits = fields[0].strip(), fields[1].strip()
    try:
        day = dt.date.fromisoformat(raw_day)
    except ValueError:
        return f"not a date (YYYY-MM-DD): {raw_day[:40]!r}"
    if not raw_visits.isdigit() or not raw_visits.isascii():
        return f"visits must be a whole number ≥ 0, got {raw_visits[:40]!r}"
    visits = int(raw_visits)
    if visits > MAX_COUNT:
        return f"visits too large: {raw_visits[:40]}"
    if day >= today:
        return f"{day} is not finished yet (today is {today}): only past days can be imported"
    if day in seen:
        return f"{day} is listed twice"
    return day, visits


@counter_command.command("cleanup")
@with_appcontext
def cleanup_command():
    """Delete visitor rows whose window has closed and salts older than yesterday."""
    counting.write_pending()
    visitors, salts = counting.cleanup(clock.now())
    click.echo(f"deleted {visitors} visitor rows and {salts} old salts")


def register(plugin) -> None:
    plugin.add_command(counter_command, plugin.name)
    plugin.add_command(counter_command, hidden=True)  # `flask counter`, kept through 1.x
