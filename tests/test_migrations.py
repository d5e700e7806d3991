"""Schema migrations as an admin meets them.

``flask init-db`` (and ``flask db upgrade``) bring any database — empty,
built by ``create_all`` before migrations existed, or at an older revision —
to the newest schema of the core and of every enabled plugin, keeping its
rows. A plugin ships its own migrations (its own Alembic branch), so a
stranger's widget migrates too; a plugin without migrations still gets its
tables.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from site_core import migrations
from site_core.cli import init_db
from site_core.db import db
from site_core.testing import form_token, page_numbers

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """An empty database of each kind (PostgreSQL: a scratch schema; skipped if no server)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'site.db'}"
    return request.getfixturevalue("pg_url")


def versions(app) -> set[str]:
    """The revisions the database says it is at."""
    with app.app_context(), db.engine.connect() as connection:
        return {row[0] for row in connection.exec_driver_sql("SELECT version_num FROM alembic_version")}


def applied(app) -> set[str]:
    """Every revision the database has: those it records and all they build on.

    Alembic records only the newest revision of each line; a revision that
    another one ``depends_on`` (the core's base, for a plugin's) is implied.
    """
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrations.config(app))
    found, todo = set(), list(versions(app))
    while todo:
        revision = script.get_revision(todo.pop())
        if revision is not None and revision.revision not in found:
            found.add(revision.revision)
            for earlier in (revision.down_revision, revision.dependencies):
                todo.extend([earlier] if isinstance(earlier, str) else earlier or ())
    return found


def tables(app) -> set[str]:
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names())


def columns(app, table: str) -> set[str]:
    with app.app_context():
        return {column["name"] for column in sa.inspect(db.engine).get_columns(table)}


# --- the migrations are the models ---------------------------------------------

CHECK = textwrap.dedent("""
    import json
    from alembic import command
    from site_core import create_app, migrations, plugins
    from site_core.db import db

    app = create_app()
    with app.app_context():
        config = migrations.config(app)
        command.upgrade(config, "heads")  # migrations only: no create_all fallback
        command.check(config)             # raises, listing the differences, if any
        print(json.dumps({
            "enabled": [p.name for p in plugins.get(app).enabled],
            "with_migrations": sorted(migrations.plugin_folders(app)),
            "targets": migrations.targets(app),
            "tables": sorted(db.metadata.tables),
        }))
""")


def test_the_migrations_build_exactly_the_tables_the_models_describe(database_url, tmp_path):
    """`flask db upgrade heads` then `flask db check`: no difference, for the core and every plugin.

    Run in a fresh interpreter with every installed plugin enabled, so the
    models are exactly those of the core and the installed plugins.
    """
    environment = {**os.environ, "SITE_INSTANCE_PATH": str(tmp_path / "instance"),
                   "FLASK_SECRET_KEY": "k" * 40, "FLASK_SQLALCHEMY_DATABASE_URI": database_url}
    environment.pop("SITE_SAFE_MODE", None)
    done = subprocess.run([sys.executable, "-c", CHECK], cwd=tmp_path, env=environment,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"articles", "categories", "tags", "article_tags"} <= set(report["tables"])
    for name in report["with_migrations"]:
        if name in report["enabled"]:
            assert any(target.startswith(name) for target in report["targets"]), name


# --- init-db --------------------------------------------------------------------

def test_init_db_twice_is_safe_and_keeps_the_articles(site_app_factory, make_article):
    app = site_app_factory({"PLUGINS": {"enabled": []}}, create_tables=False)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    make_article(app, title="Khai giảng năm học mới")
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0, second.output
    assert versions(app) == set(migrations.targets(app)) and len(versions(app)) == 1  # the core's head
    assert app.test_client().get("/bai-viet/khai-giang-nam-hoc-moi").status_code == 200


def test_flask_db_upgrade_without_a_revision_is_init_db(site_app_factory):
    app = site_app_factory({"PLUGINS": {"enabled": []}}, create_tables=False)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert {"articles", "categories", "tags", "article_tags"} <= tables(app)
    assert versions(app) == set(migrations.targets(app))


# --- upgrading a live site's database keeps its data ----------------------------



def counter_figures(html: str) -> dict[str, int]:
    return page_numbers(html, "data-period", "data-count")


def poll_tallies(html: str) -> dict[str, int]:
    return page_numbers(html, "data-option", "data-votes")


def vote(app, poll_id: int, option: str) -> int:
    """Vote as a new reader through the no-JS form; returns the status."""
    client = app.test_client()
    form = client.get(f"/survey_poll/{poll_id}").get_data(as_text=True)
    token = form_token(form)
    return client.post(f"/survey_poll/{poll_id}/vote", data={"csrf_token": token, "option": option}).status_code


def test_upgrading_a_database_made_before_migrations_keeps_articles_counts_and_votes(
        site_app_factory, make_article, database_url):
    pytest.importorskip("site_visit_counter", reason="the visit counter is not installed")
    pytest.importorskip("site_survey_poll", reason="the survey poll is not installed")
    config = {"SQLALCHEMY_DATABASE_URI": database_url,
              "PLUGINS": {"enabled": ["visit_counter", "survey_poll"], "visit_counter": {"cookie": False}}}
    old = site_app_factory(config, create_tables=False)
    with old.app_context():
        db.create_all()  # what `flask init-db` did before there were migrations
    make_article(old, title="Hội nghị tổng kết")
    runner = old.test_cli_runner()
    created = runner.invoke(args=["poll", "create", "Bạn đọc tin qua đâu?", "Internet", "Báo chí"])
    assert created.exit_code == 0, created.output
    poll_id = int(created.output.split("Created poll ")[1].split(":")[0])
    for n in range(3):
        assert old.test_client().get("/bai-viet/hoi-nghi-tong-ket",
                                     headers={"User-Agent": f"Reader {n}"}).status_code == 200
    options = list(poll_tallies(old.test_client().get(f"/survey_poll/{poll_id}/ket-qua").get_data(as_text=True)))
    assert [vote(old, poll_id, options[0]), vote(old, poll_id, options[0]), vote(old, poll_id, options[1])] \
        == [303, 303, 303]
    with old.app_context():
        db.engine.dispose()

    new = site_app_factory(config, create_tables=False)  # the next release starts on the same database
    upgraded = new.test_cli_runner().invoke(args=["init-db"])
    assert upgraded.exit_code == 0, upgraded.output
    assert set(migrations.targets(new)) <= applied(new)
    assert {"site_core_0001", "visit_counter_0001", "survey_poll_0001"} <= applied(new)

    results = new.test_client().get(f"/survey_poll/{poll_id}/ket-qua").get_data(as_text=True)
    assert poll_tallies(results) == {options[0]: 2, options[1]: 1}
    page = new.test_client().get("/bai-viet/hoi-nghi-tong-ket", headers={"User-Agent": "Reader 4"})
    assert page.status_code == 200 and "Hội nghị tổng kết" in page.get_data(as_text=True)
    figures = counter_figures(page.get_data(as_text=True))
    assert figures["today"] == 4 and figures["total"] == 4  # three before the upgrade, this one after


# --- a stranger's widget with its own migrations ---------------------------------

@pytest.fixture
def guestbook(install_plugin, tmp_path):
    """A third-party plugin with one table and a ``migrations/`` folder of its own.

    Yields (plugin name, table name, migrations folder); the table leaves the
    shared metadata afterwards so no other test sees it.
    """
    suffix = uuid.uuid4().hex[:8]
    name, table = f"guestbook_{suffix}", f"guestbook_{suffix}_entries"
    module = install_plugin(name, f'''
        import sqlalchemy as sa
        from site_core.db import db

        entries = sa.Table("{table}", db.metadata,
                           sa.Column("id", sa.Integer, primary_key=True),
                           sa.Column("text", sa.String(200), nullable=False))
    ''')
    folder = tmp_path / "site-packages" / module / "migrations"
    folder.mkdir()
    (folder / f"{name}_0001.py").write_text(textwrap.dedent(f'''
        from alembic import op
        import sqlalchemy as sa

        revision = "{name}_0001"
        down_revision = None
        branch_labels = ("{name}",)
        depends_on = "site_core_0001"

        def upgrade():
            op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True),
                            sa.Column("text", sa.String(200), nullable=False))

        def downgrade():
            op.drop_table("{table}")
    '''), encoding="utf-8")
    yield name, table, folder
    if table in db.metadata.tables:
        db.metadata.remove(db.metadata.tables[table])


def add_revision(folder: Path, name: str, number: int, table: str, column: str) -> str:
    """The plugin's next release: a migration adding ``column``."""
    revision = f"{name}_{number:04d}"
    (folder / f"{revision}.py").write_text(textwrap.dedent(f'''
        from alembic import op
        import sqlalchemy as sa

        revision = "{revision}"
        down_revision = "{name}_{number - 1:04d}"
        branch_labels = None
        depends_on = None

        def upgrade():
            op.add_column("{table}", sa.Column("{column}", sa.String(100), nullable=False, server_default=""))

        def downgrade():
            op.drop_column("{table}", "{column}")
    '''), encoding="utf-8")
    return revision


def test_a_third_party_widget_ships_migrations_that_upgrade_keeping_its_rows(guestbook, site_app_factory):
    name, table, folder = guestbook
    app = site_app_factory({"PLUGINS": {"enabled": [name]}})  # runs init-db
    assert f"{name}_0001" in versions(app) and table in tables(app)
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(sa.text(f"INSERT INTO {table} (text) VALUES ('Chúc mừng năm mới')"))

    second = add_revision(folder, name, 2, table, "author")
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert second in versions(app) and f"{name}_0001" not in versions(app)
    assert "author" in columns(app, table)
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(sa.text(f"SELECT text, author FROM {table}")).all() == [("Chúc mừng năm mới", "")]


def test_a_disabled_plugins_history_still_resolves_and_its_tables_wait(guestbook, site_app_factory):
    name, table, folder = guestbook
    app = site_app_factory({"PLUGINS": {"enabled": [name]}})
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(sa.text(f"INSERT INTO {table} (text) VALUES ('giữ lại')"))

    later = add_revision(folder, name, 2, table, "author")  # released while the admin has it disabled
    disabled = site_app_factory({"SQLALCHEMY_DATABASE_URI": url, "PLUGINS": {"enabled": []}},
                                create_tables=False)
    result = disabled.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert f"{name}_0001" in versions(disabled) and later not in versions(disabled)
    assert "author" not in columns(disabled, table)

    enabled = site_app_factory({"SQLALCHEMY_DATABASE_URI": url, "PLUGINS": {"enabled": [name]}},
                               create_tables=False)
    assert enabled.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    assert later in versions(enabled) and "author" in columns(enabled, table)
    with enabled.app_context(), db.engine.connect() as connection:
        assert connection.execute(sa.text(f"SELECT text FROM {table}")).scalars().all() == ["giữ lại"]


def test_a_plugin_without_migrations_still_gets_its_tables(install_plugin, site_app_factory):
    suffix = uuid.uuid4().hex[:8]
    table = f"quick_{suffix}_notes"
    name = f"quick_{suffix}"
    install_plugin(name, f'''
        import sqlalchemy as sa
        from site_core.db import db

        notes = sa.Table("{table}", db.metadata, sa.Column("id", sa.Integer, primary_key=True))
    ''')
    try:
        app = site_app_factory({"PLUGINS": {"enabled": [name]}})
        assert table in tables(app)
        assert versions(app) == set(migrations.targets(app)) and len(versions(app)) == 1  # only the core's
    finally:
        db.metadata.remove(db.metadata.tables[table])
