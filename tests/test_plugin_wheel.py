"""The example widget as a stranger ships it: built as a wheel, installed (not editable), served.

The wheel is built offline from a copy of ``examples/lien_ket_website`` and
installed into a folder of its own, which a fresh Python process puts first
on its path; that process builds the site, migrates the database and serves
pages, so nothing of the editable install can stand in for the wheel.
"""
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[1] / "examples" / "lien_ket_website"

SERVE = textwrap.dedent('''
    import json, sys
    from site_core import create_app
    from site_core.cli import init_db
    from site_core.db import db
    import site_lien_ket_website

    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "PLUGINS_STRICT": sys.argv[2] == "strict",
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1],
                      "PLUGINS": {"enabled": ["lien_ket_website"]}})
    with app.app_context():
        init_db()
        applied = [row[0] for row in db.session.execute(db.text("SELECT version_num FROM alembic_version"))]
    client = app.test_client()
    answers = {path: client.get(path) for path in
               ["/", "/khong-co", "/lien_ket_website/", "/lien_ket_website/static/lien_ket_website.css",
                "/lien_ket_website/go/1", "/lien_ket_website/go/99"]}
    clicks = app.test_cli_runner().invoke(args=["lien_ket_website", "clicks"]).output
    status = app.test_cli_runner().invoke(args=["plugins"]).output
    print(json.dumps({
        "module": site_lien_ket_website.__file__, "applied": applied, "clicks": clicks, "plugins": status,
        "answers": {p: [r.status_code, r.get_data(as_text=True), r.headers.get("Location"),
                        "Content-Security-Policy" in r.headers] for p, r in answers.items()},
    }))
''')


def build_and_install(tmp_path: Path, package_data: str | None = None) -> Path:
    """Build the example as a wheel (offline, from a copy) and install it into a folder of its own."""
    source = tmp_path / "source"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("*.egg-info", "build", "__pycache__", "tests"))
    if package_data is not None:
        setup = source / "setup.cfg"
        lines = [f"site_lien_ket_website = {package_data}" if line.startswith("site_lien_ket_website =") else line
                 for line in setup.read_text(encoding="utf-8").splitlines()]
        setup.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(tmp_path / "dist"),
                    str(source)], check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("site_lien_ket_website-*.whl")
    target = tmp_path / "installed"
    subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    return target


def serve(tmp_path: Path, installed: Path, mode: str) -> dict:
    result = subprocess.run([sys.executable, "-c", SERVE, str(tmp_path / "site.db"), mode],
                            env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin",
                                 "SITE_INSTANCE_PATH": str(tmp_path / "instance")},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_example_built_as_a_wheel_serves_its_widget_page_stylesheet_migration_and_command(tmp_path):
    installed = build_and_install(tmp_path)
    seen = serve(tmp_path, installed, "strict")
    assert Path(seen["module"]).is_relative_to(installed)  # the wheel, not the editable checkout
    assert "lien_ket_website_0001" in seen["applied"]
    answers = seen["answers"]
    status, home, _, _ = answers["/"]
    assert status == 200 and 'data-widget="lien_ket_website"' in home
    assert '<link rel="stylesheet" href="/lien_ket_website/static/lien_ket_website.css">' in home
    assert answers["/lien_ket_website/static/lien_ket_website.css"][0] == 200
    assert ".partner-links" in answers["/lien_ket_website/static/lien_ket_website.css"][1]
    page_status, page, _, _ = answers["/lien_ket_website/"]
    assert page_status == 200 and "chinhphu.vn" not in page and "Cổng thông tin điện tử Chính phủ" in page
    assert answers["/lien_ket_website/go/1"][0] == 302
    assert answers["/lien_ket_website/go/1"][2] == "https://chinhphu.vn"
    assert answers["/lien_ket_website/go/99"][0] == 404
    assert "       1  Cổng thông tin điện tử Chính phủ (https://chinhphu.vn)" in seen["clicks"]


@pytest.mark.parametrize("package_data", ["templates/*/*.html"], ids=["templates-only"])
def test_a_wheel_missing_its_static_files_fails_the_plugin_with_the_reason_and_pages_still_answer(tmp_path, package_data):
    installed = build_and_install(tmp_path, package_data)
    seen = serve(tmp_path, installed, "lenient")
    assert "asset 'lien_ket_website.css' listed but the plugin has no static/ folder" in seen["plugins"]
    for path, expected in (("/", 200), ("/khong-co", 404)):
        status, _, _, secured = seen["answers"][path]
        assert (status, secured) == (expected, True)
    assert 'data-widget="lien_ket_website"' not in seen["answers"]["/"][1]
