"""The content version's read, every reader request's one query: a kept connection vs a pooled one.

``site_core.content_version.KeptReader`` reads on one driver connection
per process, kept open (the statement prepared once on PostgreSQL). This
measures it against the same read on a connection checked out of the
engine's pool and returned (what the core did before, commit ``2cad7af``),
round by round, on a SQLite file and on a PostgreSQL scratch schema: the
reading process's CPU per read and, on PostgreSQL, the server backend's
CPU per read (it runs on the same machine as the site).

    .venv/bin/python bench/version_read.py [--reads 5000] [--rounds 5] [--database-url postgresql+psycopg://...]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from site_core.content_version import READ, KeptReader  # noqa: E402

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pooled_read(engine: sa.Engine) -> int:
    """The version read on a pooled connection, in autocommit, returned to the pool after."""
    fairy = engine.raw_connection()
    try:
        dbapi = fairy.dbapi_connection
        if engine.dialect.name == "postgresql":
            dbapi.autocommit = True
        cursor = dbapi.cursor()
        cursor.execute(READ)
        row = cursor.fetchone()
        cursor.close()
        if engine.dialect.name == "postgresql":
            dbapi.autocommit = False
    finally:
        fairy.close()
    return row[0]


def backend_seconds(engine: sa.Engine) -> float:
    """CPU seconds used so far by the PostgreSQL backends of this database's other sessions."""
    watcher = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    with watcher.connect() as connection:
        pids = connection.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                          "AND pid <> pg_backend_pid()")).scalars().all()
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / 100
    watcher.dispose()
    return total


def measure(engine: sa.Engine, reads: int, rounds: int) -> dict:
    kept = KeptReader(engine)
    ways = {"pooled": lambda: pooled_read(engine), "kept": kept.read}
    results = {name: {"cpu": [], "server": []} for name in ways}
    for name, read in ways.items():
        for _ in range(200):
            read()  # warm up: connections open, statements prepared
    postgres = engine.dialect.name == "postgresql"
    for _ in range(rounds):
        for name, read in ways.items():
            server = backend_seconds(engine) if postgres else 0.0
            started = time.process_time()
            for _ in range(reads):
                read()
            results[name]["cpu"].append((time.process_time() - started) / reads * 1e6)
            if postgres:
                results[name]["server"].append((backend_seconds(engine) - server) / reads * 1e6)
    kept.close()
    return results


def report(label: str, results: dict) -> None:
    print(f"\n{label}: µs per read (best and worst round)")
    for name, found in results.items():
        line = f"  {name:7s} reader CPU {min(found['cpu']):6.1f}–{max(found['cpu']):6.1f}"
        if found["server"]:
            line += f"   server backend CPU {min(found['server']):5.1f}–{max(found['server']):5.1f}"
        print(line)
    ratio = min(results["pooled"]["cpu"]) / min(results["kept"]["cpu"])
    print(f"  pooled ÷ kept, reader CPU (best rounds): {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default=PG_DEFAULT, help="PostgreSQL base URL ('' skips PostgreSQL)")
    args = parser.parse_args()
    from site_core.content_version import content_version
    from site_core.testing import postgres_reachable, scratch_schema

    with tempfile.TemporaryDirectory() as folder:
        engine = sa.create_engine(f"sqlite:///{folder}/version.db")
        content_version.create(engine)
        with engine.begin() as connection:
            connection.execute(content_version.insert().values(id=1, version=7))
        report("SQLite", measure(engine, args.reads, args.rounds))
        engine.dispose()
    if not args.database_url:
        return
    reason = postgres_reachable(args.database_url)
    if reason:
        print(f"\nPostgreSQL skipped: {reason}")
        return
    with scratch_schema(args.database_url) as url:
        engine = sa.create_engine(url)
        content_version.create(engine)
        with engine.begin() as connection:
            connection.execute(content_version.insert().values(id=1, version=7))
        report("PostgreSQL", measure(engine, args.reads, args.rounds))
        engine.dispose()


if __name__ == "__main__":
    main()
