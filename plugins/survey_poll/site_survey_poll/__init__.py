"""site_survey_poll: the "Khảo sát ý kiến" sidebar poll for site_core.

The plugin's hooks are in :mod:`site_survey_poll.plugin` (the entry point).
"""
NAME = "survey_poll"


def settings() -> dict:
    """This app's validated ``[PLUGINS.survey_poll]`` settings."""
    from site_core import plugins

    return plugins.get().installed[NAME].settings
