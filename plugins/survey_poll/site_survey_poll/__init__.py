"""site_survey_poll: the "Khảo sát ý kiến" sidebar poll for site_core.

The plugin's hooks are in :mod:`site_survey_poll.plugin` (the entry point).
"""


def settings() -> dict:
    """This plugin's validated settings in the current app (``[PLUGINS.<its name>]``)."""
    from site_core.api import plugin_of

    return plugin_of(__name__).settings
