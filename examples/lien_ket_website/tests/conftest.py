import pytest


@pytest.fixture
def site_config():
    return {"PLUGINS": {"enabled": ["lien_ket_website"]}}
