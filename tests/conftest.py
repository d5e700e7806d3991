"""Fixtures for the core's tests: a plugin-free site, and fake plugin packages.

``install_plugin`` writes a real distribution (``*.dist-info`` with an
``entry_points.txt``) and its module into a folder on ``sys.path``, so the
core finds it through importlib.metadata exactly as it finds a pip-installed
widget; nothing in the core is patched.
"""
import datetime as dt
import importlib
import sys
import textwrap
import uuid

import pytest
import sqlalchemy as sa


@pytest.fixture
def site_config():
    return {"PLUGINS": {"enabled": []}}  # the core alone; plugin tests choose their own


@pytest.fixture
def install_plugin(tmp_path, monkeypatch):
    root = tmp_path / "site-packages"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    modules = []

    def install(name: str, code: str = "", *, distribution: str | None = None,
                version: str = "1.0", templates: dict | None = None, static: dict | None = None) -> str:
        """Install plugin ``name`` whose module holds ``code``; returns the module name."""
        module = f"fake_{name}_{uuid.uuid4().hex[:8]}"
        package = root / module
        package.mkdir()
        (package / "__init__.py").write_text(textwrap.dedent(code), encoding="utf-8")
        for path, text in (templates or {}).items():
            target = package / "templates" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        for path, text in (static or {}).items():
            target = package / "static" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        dist = distribution or f"fake-{name.replace('_', '-')}"
        info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir(exist_ok=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        with open(info / "entry_points.txt", "a", encoding="utf-8") as handle:
            handle.write(f"[site_core.plugins]\n{name} = {module}\n")
        modules.append(module)
        importlib.invalidate_caches()
        return module

    yield install
    for module in modules:
        sys.modules.pop(module, None)


@pytest.fixture
def old_site(site_app_factory):
    """``old_site(revision, *titles)``: a site whose database an older release left at
    ``revision``, holding published articles with these titles; returns (app, their ids).

    The articles are written by SQL: today's save path writes tables the old schema lacks.
    """
    from alembic import command

    from site_core import migrations
    from site_core.content import slugify
    from site_core.db import db

    def make(revision: str, *titles: str):
        app = site_app_factory({"PLUGINS": {"enabled": []}}, create_tables=False)
        with app.app_context():
            command.upgrade(migrations.config(app), revision)
            ids = [db.session.execute(sa.text(
                "INSERT INTO articles (slug, title, summary, body_html, author, author_title, status, "
                "published_at, updated_at) VALUES (:slug, :title, '', '<p>Nội dung.</p>', '', '', "
                "'published', :at, :at) RETURNING id"),
                {"slug": slugify(title), "title": title, "at": dt.datetime(2020, 1, 1)}).scalar_one()
                for title in titles]
            db.session.commit()
        return app, ids

    return make
