"""The CI budget: a Hypothesis profile for two cores, registered by the test kit."""
from hypothesis import settings

import site_core.testing  # noqa: F401  (registers the profile; pytest loads it as a plugin anyway)


def test_the_ci_profile_runs_few_examples_without_deadlines():
    profile = settings.get_profile("ci")
    assert profile.max_examples <= 50 and profile.deadline is None
