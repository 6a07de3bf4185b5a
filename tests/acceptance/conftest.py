from ..api.conftest import anonymous, client_of, generous_throttles  # noqa: F401 - the API's fixtures
from ..signing.conftest import (  # noqa: F401 - the test PKI and signed documents
    key_dir,
    party_document,
    pki,
    register,
    sealed,
    signing_settings,
    trusted,
)
