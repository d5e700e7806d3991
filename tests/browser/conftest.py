"""The browser suite's fixtures: the real site on loopback, and headless Chromium.

``live_site`` builds the app the way an admin runs it (production mode, a
strong secret, the built-in plugins that are installed, the demo content
from ``flask load-demo``) and serves it with Werkzeug on 127.0.0.1 in a
thread, once per session. ``reader`` opens a fresh browser context: a new
reader with an empty cookie jar and a User-Agent of their own (the visit
counter tells cookie-less readers apart by address and User-Agent, and every
reader here shares 127.0.0.1). Every request a context makes is recorded,
and any request leaving the site is refused, so no test touches the network.

Chromium is Debian's ``/usr/bin/chromium`` (Playwright's own download is not
used); without it every browser test skips with the reason. axe-core comes
from ``node_modules`` (``npm install`` at the repo root).
"""
from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import threading
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BUILT_IN = ("visit_counter", "survey_poll", "related_news")  # sidebar order
SEED_SLUG = ("truong-chinh-tri-tinh-thanh-hoa-to-chuc-tot-dai-hoi-cac-chi-bo-tien-toi-"
             "dai-hoi-dang-bo-nha-truong-lan-thu-viii-nhiem-ky-2020-2025")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
_reader_numbers = itertools.count(1)
_screenshots_taken = []  # set when a test asked for the screenshot folder


def screenshot_dir() -> Path:
    """Where screenshots go: $SITE_SCREENSHOT_DIR, else test-artifacts/screenshots."""
    return Path(os.environ.get("SITE_SCREENSHOT_DIR") or ROOT / "test-artifacts" / "screenshots").resolve()


def installed_plugins() -> set[str]:
    return {entry.name for entry in metadata.entry_points(group="site_core.plugins")}


def pytest_terminal_summary(terminalreporter, config):
    folder = screenshot_dir()
    if _screenshots_taken and any(folder.glob("*.png")):
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"saved in {folder}")


@dataclass
class LiveSite:
    """The running site: its origin, its app, and which widgets it shows."""

    url: str
    app: object
    plugins: tuple[str, ...]
    database: str

    def __call__(self, path: str = "/") -> str:
        return self.url + path

    @property
    def seed_article(self) -> str:
        return self(f"/bai-viet/{SEED_SLUG}")

    def require(self, *names: str) -> None:
        """Skip unless every plugin in ``names`` is installed (CI installs them all)."""
        missing = [name for name in names if name not in self.plugins]
        if missing:
            pytest.skip(f"plugin(s) not installed: {', '.join(missing)} "
                        f"(pip install -e plugins/<name>)")


@pytest.fixture(scope="session")
def live_site(tmp_path_factory, site_database_url):
    from werkzeug.serving import make_server

    from site_core import create_app, plugins
    from site_core.db import db
    from site_core.testing import scratch_schema

    folder = tmp_path_factory.mktemp("browser-site")
    enabled = tuple(name for name in BUILT_IN if name in installed_plugins())
    with contextlib.ExitStack() as stack:
        if site_database_url and site_database_url.startswith("postgresql"):
            database = stack.enter_context(scratch_schema(site_database_url))
        else:
            database = f"sqlite:///{folder / 'site.db'}"
        config = {"SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": database,
                  "PLUGINS": {"enabled": list(enabled)}}
        previous = os.environ.get("SITE_INSTANCE_PATH")
        os.environ["SITE_INSTANCE_PATH"] = str(folder / "instance")
        try:
            app = create_app(config)
        finally:
            if previous is None:
                os.environ.pop("SITE_INSTANCE_PATH")
            else:
                os.environ["SITE_INSTANCE_PATH"] = previous
        assert not app.debug and not app.testing, "the browser suite runs the site in production mode"
        registry = plugins.get(app)
        broken = {name: registry.installed[name].error for name in enabled
                  if registry.installed[name].status != "enabled"}
        assert not broken, f"built-in plugins failed to start: {broken}"
        loaded = app.test_cli_runner().invoke(args=["load-demo"])
        assert loaded.exit_code == 0, loaded.output
        missing = [name for name in enabled if f"\n{name}: " not in "\n" + loaded.output]
        assert not missing, f"no demo data from {missing} (see the log): {loaded.output}"
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="live-site", daemon=True)
        thread.start()
        try:
            yield LiveSite(f"http://127.0.0.1:{server.server_port}", app, enabled, database)
        finally:
            server.shutdown()
            thread.join(10)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, one per test module (so none lingers while other suites run)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium package "
                    "(apt-get install chromium; .ci/run does)")
    sync_playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright").sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Reader:
    """One reader's browser context, and every request it made."""

    context: object
    origin: str
    requests: list = field(default_factory=list)
    refused: list = field(default_factory=list)

    def page(self):
        return self.context.new_page()

    @property
    def foreign(self) -> list[str]:
        """Requests aimed anywhere but the site (all of them were refused)."""
        return [url for url in self.requests if not url.startswith(self.origin + "/")]


@pytest.fixture
def reader(browser, live_site):
    """``reader(device="desktop"|"phone", **context_options) -> Reader``: a new
    reader (1280×800, or a 375×812 touch phone), closed after the test."""
    opened = []

    def open_reader(device: str = "desktop", **options) -> Reader:
        number = next(_reader_numbers)
        options = {**(PHONE if device == "phone" else {"viewport": DESKTOP}), **options}
        options.setdefault("user_agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
                                         f"(KHTML, like Gecko) Chrome/156.0.{number}.0 Safari/537.36")
        options.setdefault("locale", "vi-VN")
        options.setdefault("timezone_id", "Asia/Ho_Chi_Minh")
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        seen = Reader(context, live_site.url)
        context.on("request", lambda request: seen.requests.append(request.url))

        def refuse(route):
            seen.refused.append(route.request.url)
            route.abort("blockedbyclient")

        context.route(lambda url: not url.startswith(live_site.url + "/"), refuse)
        opened.append(context)
        return seen

    yield open_reader
    for context in opened:
        context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.skip(f"{AXE.relative_to(ROOT)} not found: run `npm install` at the repo root "
                    "(package.json lists axe-core as a dev dependency)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = screenshot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    _screenshots_taken.append(folder)
    return folder
