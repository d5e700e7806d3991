"""Results: every option's count and percentage, percentages adding up to exactly 100."""
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from site_survey_poll.results import percentages


@pytest.mark.parametrize("counts, expected", [
    ([1, 1, 1], [34, 33, 33]),          # the leftover point goes to the first of equals
    ([2, 1], [67, 33]),
    ([418, 96, 187, 241, 37], [43, 10, 19, 24, 4]),  # 42.70 9.81 19.10 24.62 3.78
    ([0, 5, 0], [0, 100, 0]),
    ([1, 0, 0, 0, 0, 0, 0], [100, 0, 0, 0, 0, 0, 0]),
    ([0, 0, 0], [0, 0, 0]),             # no votes yet: no division by zero
    ([7], [100]),
    ([], []),
])
def test_percentages_use_the_largest_remainder(counts, expected):
    assert percentages(counts) == expected


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        percentages([3, -1])


@settings(max_examples=200)
@given(st.lists(st.integers(min_value=0, max_value=10**9), max_size=40))
def test_percentages_always_add_up_to_100_and_stay_within_a_point(counts):
    result = percentages(counts)
    total = sum(counts)
    assert sum(result) == (100 if total else 0)
    for count, percent in zip(counts, result):
        exact = count * 100 / total if total else 0
        assert exact - 1 < percent < exact + 1
    for a, pa in zip(counts, result):      # more votes never shows a smaller percentage
        for b, pb in zip(counts, result):
            if a > b:
                assert pa >= pb


def test_a_poll_without_votes_shows_zeros_and_a_zero_total(site_client, poll, kit):
    html = site_client.get(f"/survey_poll/{poll}/ket-qua").get_data(as_text=True)
    per_option, total = kit.figures(html)
    assert total == 0 and set(per_option.values()) == {0}
    assert len(per_option) == len(kit.OPTIONS)
    assert "0 phiếu · 0%" in html


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ballots=st.lists(st.lists(st.integers(0, 3), min_size=1, max_size=2, unique=True), max_size=30))
def test_shown_figures_match_the_votes_cast(site_app, make_poll, kit, ballots):
    """Any set of ballots: per-option counts, total = their sum, percentages summing to 100."""
    from site_core.db import db
    from site_survey_poll import results, voting

    poll = make_poll(question="Bạn đọc tin tức vào lúc nào?",
                     options=["Sáng", "Trưa", "Chiều", "Tối"], max_choices=2)
    ids = kit.option_ids(site_app, poll)
    with site_app.test_request_context("/"):
        for n, ballot in enumerate(ballots):
            outcome = voting.cast(poll, [ids[i] for i in ballot], f"voter-{n:012d}", "198.51.100.7",
                                  limit=10**6, window_seconds=3600)
            assert outcome is voting.Outcome.COUNTED
        db.session.remove()
        shown = results.load(poll, fresh=True)
    expected = {ids[i]: sum(i in ballot for ballot in ballots) for i in range(4)}
    html = site_app.test_client().get(f"/survey_poll/{poll}/ket-qua").get_data(as_text=True)
    per_option, total = kit.figures(html)
    assert per_option == expected
    assert total == sum(expected.values()) == sum(len(b) for b in ballots)
    assert shown.voters == len(ballots)
    assert sum(option.percent for option in shown.options) == (100 if total else 0)
    assert kit.tallies(site_app, poll) == {i: kit.choice_counts(site_app, poll).get(i, 0) for i in ids}
