"""The counter's batch write on the raw driver vs the same write in SQLAlchemy Core, in one run.

The product writes its batches of page views through ``site_visit_counter.raw_write``;
``counter_core_write.py`` is the same write in SQLAlchemy Core. Both measures
alternate the two, round by round, on the same database (SQLite file, or a
scratch schema of --database-url):

1. the page: article-page GETs through Flask's test client (as
   ``counter_cost.py``), the widget shown but nothing counted (``display``)
   beside counting with either write; CPU ms per request, best round;
2. the write path: the pending batch writer (``counting.write_batch``)
   writing batches of N page views of N new readers (a visitor upsert each,
   then the day's), and of N returning readers (their rows exist); CPU µs per
   page view, best round.

    .venv/bin/python bench/counter_sql.py [--database-url postgresql+psycopg://...] [--rounds 8]
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from counter_cost import build, timed  # noqa: E402

LAYERS = ("core", "raw")


def use(layer: str) -> None:
    """Make the counter write its batches with one layer."""
    import counter_core_write
    from site_visit_counter import counting, raw_write

    counting.raw_write = counter_core_write if layer == "core" else raw_write


def batch_of(readers: list[str], now: int, day: dt.date):
    from site_visit_counter.counting import Hit
    from site_visit_counter.pending import Batch

    batch = Batch(1800)
    for key in readers:
        batch.add(Hit(key, now, day, goes_on=False, touch=True, likely_new=True))
    return batch


def write_path(app, size: int, rounds: int) -> dict:
    """CPU µs per page view written, best round, per layer and kind of reader."""
    from site_visit_counter import counting, state

    settings = state.get(app).settings
    best = {(layer, kind): float("inf") for layer in LAYERS for kind in ("new", "returning")}
    batches = max(1, 2000 // size)
    with app.app_context():
        now, day = int(time.time()), dt.date.today()
        for round_ in range(rounds):
            for layer in (LAYERS if round_ % 2 == 0 else reversed(LAYERS)):
                use(layer)
                keys = [[f"{layer}{round_}-{b}-{n}" for n in range(size)] for b in range(batches)]
                for kind in ("new", "returning"):  # the second pass finds the first's rows
                    cpu = time.process_time()
                    for group in keys:
                        counting.write_batch(settings, batch_of(group, now + (kind == "returning"), day))
                    used = (time.process_time() - cpu) / (batches * size) * 1e6
                    best[layer, kind] = min(best[layer, kind], used)
    use("core")
    return best


def pages(apps: dict, rounds: int, per_round: int) -> dict:
    """CPU ms per article page, best round: display, counting with either layer."""
    path = "/bai-viet/dai-hoi-chi-bo-so-7"
    best = {}
    for scenario in ("new", "returning", "bot"):
        for round_ in range(rounds):
            runs = [("display", "core"), ("counting", "core"), ("counting", "raw")]
            for app_name, layer in (runs if round_ % 2 == 0 else reversed(runs)):
                use(layer)
                offset = round_ * per_round + (5_000_000 if layer == "raw" else 0)
                _, used = timed(apps[app_name], path, scenario, per_round, offset)
                key = (scenario, app_name if app_name == "display" else layer)
                best[key] = min(best.get(key, float("inf")), used / per_round * 1000)
    use("core")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL base URL (default: SQLite files)")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--requests", type=int, default=300, help="page requests per round")
    args = parser.parse_args()
    plugins = {"display": {"enabled": ["visit_counter"], "visit_counter": {"mode": "beacon"}},
               "counting": {"enabled": ["visit_counter"]}}
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        apps = {name: build(folder, name, plugins[name], args.database_url, stack) for name in plugins}
        engine = apps["display"].config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
        for layer in LAYERS:  # warm up: templates, caches, salts, compiled statements
            use(layer)
            for app in apps.values():
                timed(app, "/bai-viet/dai-hoi-chi-bo-so-7", "new", 50, 10**7 + 100 * (layer == "raw"))
        print(f"database: {engine}; {args.rounds} rounds alternating the layers; best rounds (CPU)")
        page = pages(apps, args.rounds, args.requests)
        print("article page, test client, ms per request: display (no counting) / counting core / counting raw")
        for scenario in ("new", "returning", "bot"):
            d, c, r = page[scenario, "display"], page[scenario, "core"], page[scenario, "raw"]
            print(f"  {scenario:<10} {d:.3f} / {c:.3f} / {r:.3f}   counting adds core {c - d:+.3f} ms, "
                  f"raw {r - d:+.3f} ms; core vs raw: {c / r - 1:+.1%} of the page")
        print("write path (counting.write_batch), µs of CPU per page view written: core / raw")
        for size in (1, 10, 100):
            best = write_path(apps["counting"], size, args.rounds)
            for kind in ("new", "returning"):
                c, r = best["core", kind], best["raw", kind]
                print(f"  batch of {size:>3} {kind:<10} {c:7.1f} / {r:7.1f}   core {c / r - 1:+.1%}")


if __name__ == "__main__":
    main()
