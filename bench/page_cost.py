"""In-process cost of one article page view, by plugin set (Flask test client).

A quick, load-free measure for optimising the page: builds a fresh SQLite
instance with the demo content, then times N views of the seed article, each
from a new visitor (own address, one of a few browsers' User-Agents, no cookies),
best of three rounds. Compare runs made one after the other on the same machine.

    .venv/bin/python bench/page_cost.py                                  # core only vs all built-in widgets
    .venv/bin/python bench/page_cost.py --plugins visit_counter --views 2000
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

SEED = ("/bai-viet/truong-chinh-tri-tinh-thanh-hoa-to-chuc-tot-dai-hoi-cac-chi-bo-tien-toi-dai-hoi-"
        "dang-bo-nha-truong-lan-thu-viii-nhiem-ky-2020-2025")
ALL = "visit_counter,survey_poll,related_news"
BROWSERS = [  # readers share a few browsers' User-Agents, as on a real site
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
]


def build(plugins: list[str]):
    from site_core import create_app

    folder = tempfile.mkdtemp(prefix="page-cost-")
    os.environ["SITE_INSTANCE_PATH"] = folder
    app = create_app({"SECRET_KEY": "b" * 40, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/site.db",
                      "PLUGINS": {"enabled": plugins}})
    result = app.test_cli_runner().invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    return app


def ms_per_view(app, views: int, offset: int) -> float:
    started = time.perf_counter()
    for n in range(offset, offset + views):
        response = app.test_client().get(SEED, headers={"User-Agent": BROWSERS[n % len(BROWSERS)]},
                                         environ_base={"REMOTE_ADDR": f"10.{n // 65025 % 250}.{n // 255 % 255}.{n % 255}"})
        assert response.status_code == 200
    return (time.perf_counter() - started) / views * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plugins", action="append", help=f"comma-separated plugin set (repeatable); default: none, then {ALL}")
    parser.add_argument("--views", type=int, default=1000)
    args = parser.parse_args()
    sets = args.plugins or ["", ALL]
    apps = [(label, build([p for p in label.split(",") if p])) for label in sets]
    for _, app in apps:
        ms_per_view(app, 200, 0)  # warm up
    results = {label: [] for label in sets}
    for round_ in range(3):  # alternate, so machine noise hits every set alike
        for label, app in apps:
            results[label].append(ms_per_view(app, args.views, 10_000 * (round_ + 1)))
    base = min(results[sets[0]])
    for label in sets:
        best = min(results[label])
        print(f"{label or 'core only':45s} {best:6.2f} ms/view   {best / base:5.2f}x")


if __name__ == "__main__":
    main()
