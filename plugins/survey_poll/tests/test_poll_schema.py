"""The poll's tables come from its own migration branch, and upgrading keeps votes."""
import sqlalchemy as sa

from site_core.db import db

TABLES = {"poll_polls", "poll_options", "poll_votes", "poll_choices", "poll_rate"}


def applied(app) -> set[str]:
    with app.app_context(), db.engine.connect() as connection:
        return {row[0] for row in connection.exec_driver_sql("SELECT version_num FROM alembic_version")}


def test_init_db_runs_the_polls_migration(site_app_factory):
    app = site_app_factory({"PLUGINS": {"enabled": ["survey_poll"]}}, create_tables=False)
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "survey_poll_0001" in applied(app)
    with app.app_context():
        assert TABLES <= set(sa.inspect(db.engine).get_table_names())
        uniques = sa.inspect(db.engine).get_unique_constraints("poll_votes")
    assert any(set(u["column_names"]) == {"poll_id", "voter_key"} for u in uniques)


def test_a_database_made_by_create_all_upgrades_keeping_polls_and_votes(site_app_factory, tmp_path, kit):
    config = {"PLUGINS": {"enabled": ["survey_poll"]}, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"}
    old = site_app_factory(config, create_tables=False)
    with old.app_context():
        db.create_all()
    assert old.test_cli_runner().invoke(args=["poll", "create", "Câu hỏi?", "Có", "Không"]).exit_code == 0
    chosen = kit.option_ids(old, 1)[1]
    assert kit.vote(old.test_client(), 1, chosen).status_code == 303
    with old.app_context():
        db.engine.dispose()

    new = site_app_factory(config, create_tables=False)
    assert new.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    assert "survey_poll_0001" in applied(new)
    per_option, total = kit.figures(new.test_client().get("/survey_poll/1/ket-qua").get_data(as_text=True))
    assert per_option[chosen] == 1 and total == 1
