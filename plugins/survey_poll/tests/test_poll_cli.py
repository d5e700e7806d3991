"""``flask poll create | list | close | results``: the admin's tools."""
import datetime as dt
import json

import pytest

from site_core import clock

UTC = dt.timezone.utc
NOW = dt.datetime(2025, 9, 1, 3, 0, tzinfo=UTC)   # 10:00 in Hà Nội


@pytest.fixture
def run(site_app):
    clock.freeze(site_app, NOW)

    def invoke(*args):
        return site_app.test_cli_runner().invoke(args=["poll", *args])
    return invoke


def stored(app, poll_id):
    from site_survey_poll.results import load

    with app.app_context():
        return load(poll_id, fresh=True)


def test_create_a_single_choice_poll_from_the_command_line(run, site_app, site_client, kit):
    result = run("create", kit.QUESTION, *kit.OPTIONS)
    assert result.exit_code == 0, result.output
    assert "Created poll 1" in result.output and "single choice" in result.output
    poll = stored(site_app, 1)
    assert poll.question == kit.QUESTION and [o.text for o in poll.options] == kit.OPTIONS
    assert poll.max_choices == 1 and poll.opens_at is None and poll.closes_at is None
    assert kit.QUESTION in site_client.get("/").get_data(as_text=True)


def test_create_with_several_choices_and_local_times(run, site_app):
    result = run("create", "Bạn quan tâm chuyên mục nào?", "Tin tức", "Đào tạo", "Nghiên cứu",
                 "--multiple", "2", "--opens", "2025-09-02 08:00", "--closes", "30/09/2025 17:30")
    assert result.exit_code == 0, result.output
    assert "up to 2 choices" in result.output and "scheduled" in result.output
    poll = stored(site_app, 1)
    assert poll.max_choices == 2
    assert poll.opens_at == dt.datetime(2025, 9, 2, 1, 0, tzinfo=UTC)       # 08:00 GMT+7
    assert poll.closes_at == dt.datetime(2025, 9, 30, 10, 30, tzinfo=UTC)   # 17:30 GMT+7


def test_an_explicit_offset_is_kept(run, site_app):
    assert run("create", "Câu hỏi?", "Có", "Không", "--closes", "2025-10-01T00:00:00+00:00").exit_code == 0
    assert stored(site_app, 1).closes_at == dt.datetime(2025, 10, 1, tzinfo=UTC)


BAD_POLLS = [
    (["Câu hỏi?", "Chỉ một"], "2 to 30 options"),
    (["Câu hỏi?"], "2 to 30 options"),
    ([], "QUESTION"),
    (["   ", "Có", "Không"], "question is empty"),
    (["Câu hỏi?", "Có", "có"], "repeats"),
    (["Câu hỏi?", "Có", "Không", "--multiple", "3"], "1 to 2"),
    (["Câu hỏi?", "Có", "Không", "--multiple", "0"], "0"),
    (["Câu hỏi?", "Có", "Không", "--opens", "ngày mai"], "not a date"),
    (["Câu hỏi?", "Có", "Không", "--opens", "2025-09-10", "--closes", "2025-09-01"], "after the opening"),
    (["Câu hỏi?", "Có", "Kh\x00ông"], "control characters"),
    (["Câu hỏi?", "Có", "\u202egnôhK"], "U+202E"),
    (["Ai \u2066thắng\u2069?", "Có", "Không"], "bidi formatting"),
    (["x" * 501, "Có", "Không"], "longer than 500"),
]


def test_a_bad_poll_is_refused_with_a_reason_and_nothing_stored(run, subtests):
    for args, message in BAD_POLLS:
        with subtests.test(args=args):
            result = run("create", *args)
            assert result.exit_code != 0 and message in result.output
            assert "No polls yet" in run("list").output


def test_create_from_a_toml_file(run, site_app, tmp_path):
    path = tmp_path / "khao-sat.toml"
    path.write_text('''
question = "Bạn đánh giá thế nào về giao diện mới?"
options = ["Rất tốt", "Tốt", "Bình thường", "Chưa tốt"]
multiple = 1
opens = 2025-09-05T07:30:00+07:00
closes = 2025-09-30
''', encoding="utf-8")
    result = run("create", "--from", str(path))
    assert result.exit_code == 0, result.output
    poll = stored(site_app, 1)
    assert [o.text for o in poll.options] == ["Rất tốt", "Tốt", "Bình thường", "Chưa tốt"]
    assert poll.opens_at == dt.datetime(2025, 9, 5, 0, 30, tzinfo=UTC)
    assert poll.closes_at == dt.datetime(2025, 9, 29, 17, 0, tzinfo=UTC)    # midnight in Hà Nội


@pytest.mark.parametrize("content, message", [
    ('question = "Q?"\noptions = "a, b"', "options must be a list"),
    ('question = "Q?"\noptions = ["a", "b"]\ncolour = "red"', "unknown key 'colour'"),
    ('question = "Q?\noptions = ["a", "b"]', "not valid TOML"),
])
def test_a_bad_toml_file_is_refused(run, tmp_path, content, message):
    path = tmp_path / "poll.toml"
    path.write_text(content, encoding="utf-8")
    result = run("create", "--from", str(path))
    assert result.exit_code != 0 and message in result.output


def test_from_and_arguments_cannot_be_mixed(run, tmp_path):
    path = tmp_path / "poll.toml"
    path.write_text('question = "Q?"\noptions = ["a", "b"]', encoding="utf-8")
    result = run("create", "Câu hỏi?", "Có", "Không", "--from", str(path))
    assert result.exit_code == 2 and "not both" in result.output


def test_list_shows_every_poll_with_its_state(run, site_app, make_poll):
    make_poll(question="Câu hỏi đang mở?", options=["Có", "Không"])
    make_poll(question="Câu hỏi sắp mở?", options=["Có", "Không"], opens_at=NOW + dt.timedelta(days=1))
    make_poll(question="Câu hỏi hết hạn?", options=["Có", "Không"], closes_at=NOW - dt.timedelta(days=1))
    closed = make_poll(question="Câu hỏi đã đóng?", options=["Có", "Không"])
    assert run("close", str(closed)).exit_code == 0
    lines = run("list").output.splitlines()
    assert lines[0].split()[:4] == ["ID", "STATE", "CHOICES", "VOTES"]
    states = {line.split()[0]: line.split()[1] for line in lines[1:]}
    assert states == {"1": "open", "2": "scheduled", "3": "ended", "4": "closed"}
    assert "2025-09-02 10:00" in lines[3]  # opens, local time


def test_close_stops_voting_but_keeps_the_results(run, site_app, site_client, poll, kit):
    chosen = kit.option_ids(site_app, poll)[0]
    token = kit.csrf_token(site_client, f"/survey_poll/{poll}")
    assert kit.vote(site_app.test_client(), poll, chosen).status_code == 303
    result = run("close", str(poll))
    assert result.exit_code == 0 and f"Poll {poll} closed." in result.output
    assert kit.vote(site_client, poll, chosen, token=token).status_code == 409
    assert kit.figures(site_client.get(f"/survey_poll/{poll}/ket-qua").get_data(as_text=True))[1] == 1


def test_close_an_unknown_poll_is_an_error(run):
    result = run("close", "99")
    assert result.exit_code == 1 and "no poll with id 99" in result.output


def test_results_prints_counts_percentages_and_total(run, site_app, poll, kit):
    ids = kit.option_ids(site_app, poll)
    for n, chosen in enumerate([ids[0], ids[0], ids[1]]):
        client = site_app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n}"
        assert kit.vote(client, poll, chosen).status_code == 303
    output = run("results", str(poll)).output
    assert kit.QUESTION in output and "(open)" in output
    internet = next(line for line in output.splitlines() if "Internet" in line)
    assert internet.split()[1:3] == ["2", "67%"]
    assert "Total: 3 votes from 3 voters" in output
    data = json.loads(run("results", str(poll), "--json").output)
    assert data["total"] == 3 and sum(o["percent"] for o in data["options"]) == 100
    assert run("results", "99").exit_code == 1
