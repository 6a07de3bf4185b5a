import pytest
from django.core.management import call_command

from ..api.conftest import anonymous, client_of, generous_throttles  # noqa: F401 - the API's fixtures
from ..signing.conftest import (  # noqa: F401 - the test PKI, its trust list and a signed Party plan
    key_dir,
    party_document,
    pki,
    register,
    sealed,
    signing_settings,
    trusted,
)
from .helpers import PeerServer


@pytest.fixture
def office(demo, settings, tmp_path):
    """The demo commune with its registers; documents' files in a folder of this test."""
    settings.MEDIA_ROOT = tmp_path / "files"
    call_command("seed_documents", verbosity=0)


@pytest.fixture
def peer_server():
    """A real HTTP server standing in for a peer's receiving endpoint: it answers what it is told."""
    servers = []

    def start(*answers):
        servers.append(PeerServer(list(answers)).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()
