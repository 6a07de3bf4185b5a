import pytest
from django.core.management import call_command

from ..api.conftest import anonymous, client_of, generous_throttles  # noqa: F401 - the API's fixtures


@pytest.fixture
def office(demo):
    """The demo commune with its registers (seed_documents)."""
    call_command("seed_documents", verbosity=0)


@pytest.fixture
def files_dir(settings, tmp_path):
    """Documents' files in a folder of this test."""
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT
