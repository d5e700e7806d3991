"""wrk runs for ``bench/load_site.py`` and the figures made of them.

``wrk()`` drives one URL with the readers of ``load_readers.lua``; ``compare()``
turns alternating rounds of the site and the bare render into the ratios the
bench reports; ``markdown()`` prints them as the table in ``bench/README.md``.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

READERS_LUA = Path(__file__).resolve().with_name("load_readers.lua")
THREADS = 2


def parse(stdout: str) -> dict:
    """The figures ``load_readers.lua`` prints when wrk is done, with requests per second added."""
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise ValueError(f"no figures in wrk's output:\n{stdout}")
    result = json.loads(lines[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def wrk(url: str, seconds: int, connections: int, mix: str, run: int, beacon: bool,
        prefix: list[str] = ()) -> dict:
    """wrk against ``url`` for ``seconds``; ``run`` (1-255) gives new readers addresses of their own."""
    command = [*prefix, "wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "-s", str(READERS_LUA), url, "--", mix, str(run), str(THREADS)] + (["beacon"] if beacon else [])
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed:\n{done.stdout}\n{done.stderr}")
    return parse(done.stdout)


def span(values: list[float], digits: int = 0) -> str:
    """``"393–433"``: the lowest and highest of ``values`` (one figure when they round alike)."""
    low, high = f"{min(values):,.{digits}f}", f"{max(values):,.{digits}f}"
    return low if low == high else f"{low}–{high}"


def pooled_p99(rounds: list[dict]) -> float:
    """The p99 of every request of ``rounds`` together (each round's latency at every 0.1 %,
    weighted by its requests): one round's stall weighs as much as its share of the requests."""
    points = sorted((ms, r["requests"] / 1000) for r in rounds for ms in r["permille_ms"])
    wanted, seen = 0.99 * sum(weight for _, weight in points), 0.0
    for ms, weight in points:
        seen += weight
        if seen >= wanted:
            return ms
    return points[-1][0]


def compare(site: list[dict], bare: list[dict]) -> dict:
    """Round by round (site round i against bare round i): throughput ratio and p99 ratio, as spans;
    and both pooled over the rounds (the mean throughputs' ratio; the p99 of all their requests)."""
    pairs = list(zip(site, bare, strict=True))
    return {
        "ratio": span([s["rps"] / b["rps"] for s, b in pairs], 2),
        "pooled_ratio": f"{sum(s['rps'] for s in site) / sum(b['rps'] for b in bare):.2f}",
        "p99_ratio": span([s["p99_ms"] / b["p99_ms"] for s, b in pairs], 1),
        "pooled_p99": round(pooled_p99(site), 1), "bare_pooled_p99": round(pooled_p99(bare), 1),
        "pooled_p99_ratio": f"{pooled_p99(site) / pooled_p99(bare):.1f}",
        "rps": span([s["rps"] for s in site]), "bare_rps": span([b["rps"] for b in bare]),
        "p50": span([s["p50_ms"] for s in site]), "p99": span([s["p99_ms"] for s in site]),
        "bare_p99": span([b["p99_ms"] for b in bare]),
        "cpu": span([s["cpu_ms"] for s in site], 2), "bare_cpu": span([b["cpu_ms"] for b in bare], 2),
        "errors": sum(r["socket_errors"] + r["non_2xx"] for r in site + bare),
    }


DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
HEADER = ("| page | readers | database | ratio, pooled (rounds) | p99 ratio, pooled (rounds) | CPU / page (bare) | req/s (bare) | p50 | "
          "p99 pooled (bare) | p99 rounds (bare) |\n"
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")


def markdown(rows: list[dict]) -> str:
    """The table of ``bench/README.md``: one line per page, reader mix and database."""
    lines = [HEADER]
    for row in rows:
        c = row["figures"]
        lines.append(f"| {row['page']} | {row['mix']} | {DATABASES.get(row['database'], row['database'])} | **{c['pooled_ratio']}** ({c['ratio']}) | "
                     f"**{c['pooled_p99_ratio']}×** ({c['p99_ratio']}×) | "
                     f"{c['cpu']} ms ({c['bare_cpu']}) | {c['rps']} ({c['bare_rps']}) | {c['p50']} ms | "
                     f"{c['pooled_p99']:.0f} ms ({c['bare_pooled_p99']:.0f}) | {c['p99']} ms ({c['bare_p99']}) |")
    return "\n".join(lines)
