"""Racing submissions: one reader's double vote counts once; many readers lose nothing (C3).

WP-Polls' CVE-2022-40130 was a check-then-insert race. Here the database's
unique (poll, voter) key decides, inside the transaction that bumps the
tallies, so these tests run the same race on SQLite and PostgreSQL. The
hardest case is a reader's very first vote: the tests start from a new
reader who has opened one page and holds only the cookies it set.
"""
import multiprocessing
import threading
from http.cookies import SimpleCookie

import pytest

THREADS = 8


@pytest.fixture
def race_settings():
    """``[PLUGINS.survey_poll]`` of the racing site, besides a rate limit nobody reaches."""
    return {}


@pytest.fixture
def engine_options():
    """``SQLALCHEMY_ENGINE_OPTIONS`` of the racing site (the pool's size...)."""
    return {}


@pytest.fixture(params=["sqlite", "postgresql"])
def race_app(request, site_app_factory, tmp_path, race_settings, engine_options):
    """An app on SQLite (a file, WAL) or on a scratch PostgreSQL schema."""
    config = {"PLUGINS": {"enabled": ["survey_poll"], "survey_poll": {"rate_limit": 10 ** 6, **race_settings}},
              "SQLALCHEMY_ENGINE_OPTIONS": engine_options}
    if request.param == "postgresql":
        config["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("pg_url")
    else:
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'race.db'}"
    return site_app_factory(config)


def make_poll(app, max_choices=1):
    from site_survey_poll.polls import PollSpec, create_poll

    with app.app_context():
        return create_poll(PollSpec("Bạn biết đến cổng thông tin nhà trường qua hình thức nào?",
                                    ["Internet", "Báo chí", "Bạn bè, người quen"], max_choices))


def race(app, requests):
    """Run ``requests`` (callables returning a status) at the same moment, one thread each."""
    barrier = threading.Barrier(len(requests))
    statuses = [None] * len(requests)

    def run(i):
        barrier.wait()
        statuses[i] = requests[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def new_reader(app, path, kit):
    """A reader's first moment: they open ``path`` with no cookie at all; the cookies
    that answer set, and the token of the form in it."""
    answer = app.test_client().get(path)
    assert answer.status_code == 200
    cookies = SimpleCookie()
    for header in answer.headers.getlist("Set-Cookie"):
        cookies.load(header)
    return {name: morsel.value for name, morsel in cookies.items()}, kit.form_token(answer.get_data(as_text=True))


def submit(app, poll, option, cookies, token, kit, json=False):
    """Send the reader's form from a client of its own holding the reader's cookies: (status, voter cookie)."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    answer = kit.vote(client, poll, option, token=token, json=json)
    voter = client.get_cookie("survey_poll_voter")
    return answer.status_code, voter and voter.value


def test_a_new_readers_first_ballot_sent_eight_times_at_once_counts_once(race_app, kit):
    poll = make_poll(race_app)
    chosen = kit.option_ids(race_app, poll)[0]
    cookies, token = new_reader(race_app, "/", kit)  # the widget's form on the home page
    assert "survey_poll_voter" not in cookies

    answers = race(race_app, [lambda: submit(race_app, poll, chosen, cookies, token, kit)] * THREADS)
    assert sorted(status for status, _ in answers) == [303] + [409] * (THREADS - 1)
    assert kit.ballots(race_app, poll) == 1
    assert kit.tallies(race_app, poll)[chosen] == 1 == kit.choice_counts(race_app, poll)[chosen]
    # whichever answer the browser keeps, it keeps the voter that was counted
    assert len({voter for _, voter in answers}) == 1 and None not in {voter for _, voter in answers}


def test_thirty_new_readers_each_double_clicking_are_each_counted_once(race_app, kit):
    poll = make_poll(race_app)
    ids = kit.option_ids(race_app, poll)
    readers = [new_reader(race_app, f"/survey_poll/{poll}", kit) for _ in range(30)]
    clicks = [lambda n=n, r=r: submit(race_app, poll, ids[n % 3], *r, kit)
              for n, r in enumerate(readers) for _ in range(2)]

    statuses = [status for status, _ in race(race_app, clicks)]
    for n in range(30):
        assert sorted(statuses[2 * n:2 * n + 2]) == [303, 409], f"reader {n}"
    assert kit.ballots(race_app, poll) == 30
    assert kit.tallies(race_app, poll) == kit.choice_counts(race_app, poll) == {ids[k]: 10 for k in range(3)}


@pytest.mark.parametrize("race_settings", [{"shared_cache": True}])
def test_on_shared_cache_pages_the_fetched_form_fixes_the_voter(race_app, kit):
    poll = make_poll(race_app)
    chosen = kit.option_ids(race_app, poll)[1]
    cookies, token = new_reader(race_app, f"/survey_poll/{poll}/bieu-mau", kit)  # the form the script fetches

    answers = race(race_app, [lambda: submit(race_app, poll, chosen, cookies, token, kit, json=True)] * THREADS)
    assert sorted(status for status, _ in answers) == [200] + [409] * (THREADS - 1)
    assert kit.ballots(race_app, poll) == 1 and kit.tallies(race_app, poll)[chosen] == 1


def test_a_reader_holding_a_voter_cookie_racing_eight_submissions_counts_once(race_app, kit):
    earlier, poll = make_poll(race_app), make_poll(race_app)
    reader = race_app.test_client()
    token = kit.csrf_token(reader, f"/survey_poll/{poll}")
    # the reader already has a voter cookie (from an earlier poll), and sends this ballot 8 times at once
    assert kit.vote(reader, earlier, kit.option_ids(race_app, earlier)[0], token=token).status_code == 303
    cookies = {name: reader.get_cookie(name).value for name in ("site_reader", "survey_poll_voter")}
    chosen = kit.option_ids(race_app, poll)[0]

    def submit():
        client = race_app.test_client()
        for name, value in cookies.items():
            client.set_cookie(name, value)
        return kit.vote(client, poll, chosen, token=token).status_code

    statuses = race(race_app, [submit] * THREADS)
    assert sorted(statuses) == [303] + [409] * (THREADS - 1)
    assert kit.ballots(race_app, poll) == 1
    assert kit.tallies(race_app, poll)[chosen] == 1 == kit.choice_counts(race_app, poll)[chosen]


def test_many_readers_voting_at_once_are_all_counted(race_app, kit):
    poll = make_poll(race_app, max_choices=2)
    ids = kit.option_ids(race_app, poll)
    readers = []
    for n in range(16):
        client = race_app.test_client()
        readers.append((client, kit.csrf_token(client, f"/survey_poll/{poll}"), [ids[n % 3], ids[(n + 1) % 3]]))

    statuses = race(race_app, [lambda r=r: kit.vote(r[0], poll, *r[2], token=r[1], json=True).status_code
                               for r in readers])
    assert statuses == [200] * 16
    assert kit.ballots(race_app, poll) == 16
    tallies = kit.tallies(race_app, poll)
    assert tallies == kit.choice_counts(race_app, poll)
    assert sum(tallies.values()) == 32
    expected = {i: sum(i in r[2] for r in readers) for i in ids}
    assert tallies == expected


# --- processes (C3 as written: 8 processes, a Barrier) ------------------------

def _submit_in_process(config, poll, option, cookies, token, kit, barrier, results):
    from site_core import create_app

    app = create_app(config)  # a process of its own, like a gunicorn worker
    barrier.wait()
    results.put(submit(app, poll, option, cookies, token, kit)[0])


@pytest.mark.slow
def test_eight_processes_given_a_new_readers_first_ballot_count_it_once(race_app, kit):
    poll = make_poll(race_app)
    chosen = kit.option_ids(race_app, poll)[0]
    cookies, token = new_reader(race_app, f"/survey_poll/{poll}", kit)
    config = {"TESTING": True, "SECRET_KEY": race_app.config["SECRET_KEY"],
              "SQLALCHEMY_DATABASE_URI": race_app.config["SQLALCHEMY_DATABASE_URI"],
              "PLUGINS": {"enabled": ["survey_poll"], "survey_poll": {"rate_limit": 10 ** 6}}}
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(THREADS), context.Queue()
    processes = [context.Process(target=_submit_in_process,
                                 args=(config, poll, chosen, cookies, token, kit, barrier, results))
                 for _ in range(THREADS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    statuses = sorted(results.get(timeout=5) for _ in processes)
    assert statuses == [303] + [409] * (THREADS - 1)
    assert kit.ballots(race_app, poll) == 1 and kit.tallies(race_app, poll)[chosen] == 1


@pytest.mark.parametrize("race_settings", [{"results_cache_seconds": 0}])  # the vote reads the poll itself
@pytest.mark.parametrize("engine_options", [{"pool_size": 1, "max_overflow": 0, "pool_timeout": 5}])
def test_a_vote_needs_one_database_connection_at_a_time(race_app, kit):
    """A request holding two connections would starve a full pool: here one is all there is."""
    poll = make_poll(race_app)
    assert kit.vote(race_app.test_client(), poll, kit.option_ids(race_app, poll)[0]).status_code == 303
