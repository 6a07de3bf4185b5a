from ..api.conftest import anonymous, client_of, generous_throttles  # noqa: F401 - the API's fixtures
from ..exchange.conftest import office, peer_server  # noqa: F401 - the demo's registers, a peer's endpoint
from ..signing.conftest import (  # noqa: F401 - the test PKI, its trust list and a signed Party document
    key_dir,
    party_document,
    pki,
    register,
    sealed,
    signing_settings,
    trusted,
)
