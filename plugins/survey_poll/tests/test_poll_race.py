"""Racing submissions: one reader's double vote counts once; many readers lose nothing (C3).

WP-Polls' CVE-2022-40130 was a check-then-insert race. Here the database's
unique (poll, voter) key decides, inside the transaction that bumps the
tallies, so these tests run the same race on SQLite and PostgreSQL.
"""
import multiprocessing
import threading

import pytest

THREADS = 8


@pytest.fixture(params=["sqlite", "postgresql"])
def race_app(request, site_app_factory, tmp_path):
    """An app on SQLite (a file, WAL) or on a scratch PostgreSQL schema."""
    config = {"PLUGINS": {"enabled": ["survey_poll"], "survey_poll": {"rate_limit": 10 ** 6}}}
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


def test_one_reader_racing_eight_submissions_counts_once(race_app, kit):
    earlier, poll = make_poll(race_app), make_poll(race_app)
    reader = race_app.test_client()
    token = kit.csrf_token(reader, f"/survey_poll/{poll}")
    # the reader already has a voter cookie (from an earlier poll), and sends this ballot 8 times at once
    assert kit.vote(reader, earlier, kit.option_ids(race_app, earlier)[0], token=token).status_code == 303
    cookies = {name: reader.get_cookie(name).value for name in ("session", "survey_poll_voter")}
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

def _cast_in_process(url, poll, option, barrier, results):
    from site_core import create_app
    from site_survey_poll import voting

    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": url,
                      "PLUGINS": {"enabled": ["survey_poll"]}})
    with app.test_request_context("/"):
        barrier.wait()
        outcome = voting.cast(poll, [option], "the-same-voter-000000", "198.51.100.1",
                              limit=10 ** 6, window_seconds=3600)
    results.put(outcome.value)


@pytest.mark.slow
def test_eight_processes_casting_one_voters_ballot_count_it_once(race_app, kit):
    poll = make_poll(race_app)
    chosen = kit.option_ids(race_app, poll)[0]
    url = race_app.config["SQLALCHEMY_DATABASE_URI"]
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(THREADS), context.Queue()
    processes = [context.Process(target=_cast_in_process, args=(url, poll, chosen, barrier, results))
                 for _ in range(THREADS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    outcomes = sorted(results.get(timeout=5) for _ in processes)
    assert outcomes == ["already_voted"] * (THREADS - 1) + ["counted"]
    assert kit.ballots(race_app, poll) == 1 and kit.tallies(race_app, poll)[chosen] == 1
