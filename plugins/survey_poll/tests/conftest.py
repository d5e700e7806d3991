"""Fixtures and helpers for the survey_poll tests (site_core's test kit underneath)."""
from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from site_core.testing import form_token

UTC = dt.timezone.utc
QUESTION = "Bạn biết đến cổng thông tin nhà trường qua hình thức nào?"
OPTIONS = ["Internet", "Báo chí", "Bạn bè, người quen", "Hội nghị, tập huấn", "Khác"]


@pytest.fixture
def poll_settings():
    """``[PLUGINS.survey_poll]`` for this test (override in a module)."""
    return {}


@pytest.fixture
def site_config(poll_settings):
    return {"PLUGINS": {"enabled": ["survey_poll"], "survey_poll": dict(poll_settings)}}


@pytest.fixture
def make_poll(site_app):
    """``make_poll(question=..., options=[...], max_choices=1, opens_at=None, closes_at=None, app=None)``."""
    def make(question=QUESTION, options=OPTIONS, max_choices=1, opens_at=None, closes_at=None, app=None):
        from site_survey_poll.polls import PollSpec, create_poll

        with (app or site_app).app_context():
            return create_poll(PollSpec(question, list(options), max_choices, opens_at, closes_at))
    return make


@pytest.fixture
def poll(make_poll):
    """An open single-choice poll with the seed page's question; its id."""
    return make_poll()


def option_ids(app, poll_id: int) -> list[int]:
    from site_survey_poll.polls import poll_options

    with app.app_context():
        return [option.id for option in poll_options(poll_id)]


def tallies(app, poll_id: int) -> dict[int, int]:
    """Each option's stored tally."""
    from site_survey_poll.models import options

    from site_core.db import db
    with app.app_context():
        rows = db.session.execute(sa.select(options.c.id, options.c.votes)
                                  .where(options.c.poll_id == poll_id)).all()
        return {row.id: row.votes for row in rows}


def ballots(app, poll_id: int) -> int:
    """How many ballots (vote rows) the poll has."""
    from site_survey_poll.models import votes

    from site_core.db import db
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(votes)
                                  .where(votes.c.poll_id == poll_id)).scalar_one()


def choice_counts(app, poll_id: int) -> dict[int, int]:
    """Chosen-option rows per option (what the tallies must equal)."""
    from site_survey_poll.models import choices

    from site_core.db import db
    with app.app_context():
        rows = db.session.execute(sa.select(choices.c.option_id, sa.func.count())
                                  .where(choices.c.poll_id == poll_id)
                                  .group_by(choices.c.option_id)).all()
        return {option: count for option, count in rows}


def csrf_token(client, path: str, **kwargs) -> str:
    """GET ``path`` and return the CSRF token of the poll form in it."""
    html = client.get(path, **kwargs).get_data(as_text=True)
    assert 'name="csrf_token"' in html, f"no CSRF token in {path}"
    return form_token(html)


def vote(client, poll_id, *chosen, token=None, json=False, **kwargs):
    """POST a ballot through the vote form, as a browser (or the script) would."""
    if token is None:
        token = csrf_token(client, f"/survey_poll/{poll_id}")
    headers = kwargs.pop("headers", {})
    if json:
        headers["Accept"] = "application/json"
    data = [("csrf_token", token)] + [("option", str(value)) for value in chosen]
    from werkzeug.datastructures import MultiDict
    return client.post(f"/survey_poll/{poll_id}/vote", data=MultiDict(data), headers=headers, **kwargs)


class Markup(HTMLParser):
    """Elements and attributes of a page, parsed (not pattern-matched)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag=None, **attrs) -> list[dict]:
        return [a for t, a in self.elements if (tag is None or t == tag)
                and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def with_attr(self, name: str) -> list[dict]:
        return [a for _t, a in self.elements if name in a]


def figures(html: str) -> tuple[dict[int, int], int]:
    """The results markup read as an outside test would: votes per option, and the total."""
    page = Markup(html)
    per_option = {int(a["data-option"]): int(a["data-votes"]) for a in page.with_attr("data-option")}
    totals = [int(a["data-total"]) for a in page.with_attr("data-total")]
    assert len(totals) == 1, f"expected one data-total, got {totals}"
    return per_option, totals[0]


@pytest.fixture
def kit():
    """The helpers above, for test modules (``--import-mode=importlib`` cannot import conftest)."""
    import types

    return types.SimpleNamespace(
        QUESTION=QUESTION, OPTIONS=OPTIONS, option_ids=option_ids, tallies=tallies, ballots=ballots,
        choice_counts=choice_counts, csrf_token=csrf_token, form_token=form_token, vote=vote, Markup=Markup,
        figures=figures)
