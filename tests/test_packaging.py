"""The core's wheel ships every template and static file the site serves."""
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_the_wheel_holds_every_tracked_template_and_static_file(tmp_path):
    # Offline: the test environment's setuptools and wheel build it (no package index asked).
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True, cwd=tmp_path)
    wheel = next(tmp_path.glob("site_core-*.whl"))
    shipped = set(zipfile.ZipFile(wheel).namelist())
    tracked = subprocess.run(["git", "ls-files", "site_core/templates", "site_core/static"], cwd=ROOT,
                             check=True, capture_output=True, text=True).stdout.split()
    assert {"site_core/templates/robots.txt", "site_core/templates/feeds/atom.xml",
            "site_core/static/favicon.ico", "site_core/static/print.css"} <= set(tracked)
    assert sorted(set(tracked) - shipped) == []
