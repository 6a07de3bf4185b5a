from ..api.conftest import anonymous, client_of, generous_throttles  # noqa: F401 - the API's fixtures
