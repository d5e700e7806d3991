"""``flask poll``: create, list, close polls and print their results.

Times are ISO 8601 (``2025-09-01T08:00+07:00``) or ``DD/MM/YYYY HH:MM``;
without an offset they are the site's local time (``SITE_TIMEZONE``).
"""
from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

import click
from flask.cli import with_appcontext

from site_core import clock

from . import polls, results as poll_results

LOCAL_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y")


def parse_time(value, what: str) -> dt.datetime | None:
    """A date/time from the command line or a TOML file, made time-zone aware."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        found = value
    elif isinstance(value, dt.date):
        found = dt.datetime.combine(value, dt.time())
    elif isinstance(value, str):
        found = _parse_text(value.strip(), what)
    else:
        raise click.BadParameter(f"{what}: not a date and time: {value!r}")
    if found.tzinfo is None:
        found = found.replace(tzinfo=clock.site_zone())
    return clock.as_utc(found)


def _parse_text(text: str, what: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern in LOCAL_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise click.BadParameter(f"{what}: {text!r} is not a date and time "
                             "(use 2025-09-01T08:00, 2025-09-01T08:00+07:00 or 01/09/2025 08:00)")


def spec_from_file(path: Path) -> polls.PollSpec:
    """A poll described in TOML: question, options, and optionally multiple, opens, closes."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{path}: not valid TOML: {error}") from None
    unknown = sorted(set(data) - {"question", "options", "multiple", "opens", "closes"})
    if unknown:
        raise click.ClickException(f"{path}: unknown key {unknown[0]!r} "
                                   "(known: question, options, multiple, opens, closes)")
    if not isinstance(data.get("options"), list):
        raise click.ClickException(f"{path}: options must be a list of strings")
    return polls.PollSpec(question=data.get("question"), options=data["options"],
                          max_choices=data.get("multiple", 1),
                          opens_at=parse_time(data.get("opens"), "opens"),
                          closes_at=parse_time(data.get("closes"), "closes"))


@click.group("poll")
def poll():
    """Create, list and close polls; print their results."""


@poll.command("create")
@click.argument("question", required=False)
@click.argument("options", nargs=-1)
@click.option("--multiple", type=click.IntRange(min=1), metavar="N",
              help="Let readers choose up to N options (default: one).")
@click.option("--opens", metavar="DATETIME", help="When voting opens (default: now).")
@click.option("--closes", metavar="DATETIME", help="When voting closes (default: never).")
@click.option("--from", "source", metavar="FILE.toml",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the poll from a TOML file instead.")
@with_appcontext
def create_command(question, options, multiple, opens, closes, source):
    """Create a poll: QUESTION OPTION OPTION... or --from FILE.toml."""
    if source is not None:
        if question or options or multiple or opens or closes:
            raise click.UsageError("give either QUESTION OPTION... (with options) or --from FILE.toml, not both")
        spec = spec_from_file(source)
    else:
        if not question:
            raise click.UsageError("give QUESTION and at least two OPTIONs, or --from FILE.toml")
        spec = polls.PollSpec(question=question, options=list(options), max_choices=multiple or 1,
                              opens_at=parse_time(opens, "--opens"), closes_at=parse_time(closes, "--closes"))
    try:
        poll_id = polls.create_poll(spec)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    results = poll_results.load(poll_id, fresh=True)
    kind = "single choice" if results.max_choices == 1 else f"up to {results.max_choices} choices"
    state = polls.state(results, clock.now())
    click.echo(f"Created poll {poll_id}: {results.question} ({len(results.options)} options, {kind}, {state})")


@poll.command("list")
@with_appcontext
def list_command():
    """List every poll, newest first."""
    everything = polls.all_polls()
    if not everything:
        click.echo("No polls yet (create one with: flask poll create QUESTION OPTION OPTION...).")
        return
    now = clock.now()
    rows = [("ID", "STATE", "CHOICES", "VOTES", "OPENS", "CLOSES", "QUESTION")]
    for item in everything:
        results = poll_results.load(item.id, fresh=True)
        rows.append((str(item.id), polls.state(item, now), str(item.max_choices), str(results.total),
                     _when(item.opens_at), _when(item.closes_at), item.question))
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    for row in rows:
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:6])) + "  " + row[6])


def _when(instant) -> str:
    return clock.local(instant).strftime("%Y-%m-%d %H:%M") if instant else "-"


@poll.command("close")
@click.argument("poll_id", type=int, metavar="ID")
@with_appcontext
def close_command(poll_id):
    """Close poll ID: no more votes; its results stay."""
    if not polls.close_poll(poll_id):
        raise click.ClickException(f"no poll with id {poll_id} (see: flask poll list)")
    click.echo(f"Poll {poll_id} closed.")


@poll.command("results")
@click.argument("poll_id", type=int, metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@with_appcontext
def results_command(poll_id, as_json):
    """Print the results of poll ID."""
    results = poll_results.load(poll_id, fresh=True)
    if results is None:
        raise click.ClickException(f"no poll with id {poll_id} (see: flask poll list)")
    if as_json:
        click.echo(json.dumps(results.as_json(), ensure_ascii=False, indent=2))
        return
    state = polls.state(results, clock.now())
    click.echo(f"Poll {poll_id}: {results.question} ({state})")
    width = max(len(option.text) for option in results.options)
    digits = len(str(max(option.votes for option in results.options)))
    for option in results.options:
        bar = "#" * round(option.percent / 5)
        click.echo(f"  {option.text.ljust(width)}  {str(option.votes).rjust(digits)}  "
                   f"{str(option.percent).rjust(3)}%  {bar}")
    click.echo(f"Total: {results.total} votes from {results.voters} voters")
