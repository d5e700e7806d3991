"""The load benchmark's arithmetic (``bench/load_wrk.py``): wrk's figures read, rounds compared fairly."""
import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("load_wrk", Path(__file__).parents[1] / "bench" / "load_wrk.py")
load_wrk = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(load_wrk)

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/
  2 threads and 32 connections
  Latency Distribution
     50%   39.40ms
  6290 requests in 10.00s, 180.21MB read
{"requests": 6290, "seconds": 10.004, "p50_ms": 39.40, "p99_ms": 356.70, "max_ms": 512.00, "socket_errors": 0, "non_2xx": 0}
"""


def test_the_figures_come_from_the_readers_scripts_line_with_requests_per_second():
    figures = load_wrk.parse(WRK_OUTPUT)
    assert figures["requests"] == 6290 and figures["p99_ms"] == 356.7
    assert figures["rps"] == pytest.approx(628.7, abs=0.1)


def test_wrk_output_without_figures_is_an_error_that_shows_it():
    with pytest.raises(ValueError, match="Running 10s test"):
        load_wrk.parse("Running 10s test @ http://127.0.0.1:8000/\nunable to connect\n")


def result(rps, p99, cpu=1.0, requests=1000):
    """A round whose latencies rise evenly to ``p99`` at 99 %, then to twice that."""
    permille = [p99 * k / 990 if k <= 990 else p99 * (1 + (k - 990) / 9) for k in range(1, 1000)]
    return {"rps": rps, "p50_ms": p99 / 2, "p99_ms": p99, "cpu_ms": cpu, "socket_errors": 0, "non_2xx": 0,
            "requests": requests, "permille_ms": permille}


def test_each_site_round_is_compared_with_the_bare_round_beside_it():
    site = [result(400, 100), result(500, 90)]
    bare = [result(1600, 25), result(2000, 60)]
    figures = load_wrk.compare(site, bare)
    assert figures["ratio"] == "0.25"  # 400/1600 and 500/2000, not 400/2000
    assert figures["pooled_ratio"] == "0.25"  # 900 / 3600
    assert figures["p99_ratio"] == "1.5–4.0"
    assert figures["rps"] == "400–500" and figures["bare_rps"] == "1,600–2,000"


def test_the_pooled_p99_weighs_each_round_by_its_requests():
    calm, stalled = result(1000, 80, requests=9000), result(1000, 80, requests=1000)
    stalled["permille_ms"][979:] = [700] * 20  # a stall: its slowest 2 % waited 700 ms
    stalled["p99_ms"] = 700
    assert load_wrk.pooled_p99([calm]) == pytest.approx(80, rel=0.01)
    # 20 stalled requests of 10,000: a tail, not the p99 of the run
    assert 80 < load_wrk.pooled_p99([calm, stalled]) < 100
    assert load_wrk.pooled_p99([stalled, stalled]) == 700
    figures = load_wrk.compare([calm, stalled], [result(1000, 100, requests=5000)] * 2)
    assert figures["p99_ratio"] == "0.8–7.0" and float(figures["pooled_p99_ratio"]) < 1.0


def test_one_slow_round_weighs_its_share_in_the_pooled_ratio():
    figures = load_wrk.compare([result(1600, 80), result(1100, 80), result(1650, 80)],
                               [result(1700, 80), result(1700, 80), result(1700, 80)])
    assert figures["ratio"] == "0.65–0.97" and figures["pooled_ratio"] == "0.85"  # 4,350 / 5,100


def test_rounds_must_pair_up():
    with pytest.raises(ValueError):
        load_wrk.compare([result(400, 100)], [result(1600, 25), result(2000, 60)])


def test_the_table_has_a_line_per_page_mix_and_database_under_its_header():
    row = {"page": "home", "mix": "new", "database": "postgresql",
           "figures": load_wrk.compare([result(700, 30, 2.5)], [result(1000, 20, 1.0)])}
    header, rule, line = load_wrk.markdown([row]).splitlines()
    assert header.count("|") == rule.count("|") == line.count("|")
    assert line.startswith("| home | new | PostgreSQL | **0.70** (0.70) | **1.5×** (1.5×) | 2.50 ms (1.00) | 700 (1,000) |")
