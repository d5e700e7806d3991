import pytest


@pytest.fixture
def site_config():
    return {"PLUGINS": {"enabled": ["related_news"], "related_news": {"cache_seconds": 0}}}
