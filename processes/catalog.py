"""The procedure catalog: the BPMN and DMN files shipped with quytrinh.

Their process ids are a contract: the API, integrators and acceptance checks start processes by
them (``incoming_document`` …). Editing a file and deploying makes a new version; running
instances keep the version they started with.
"""

from pathlib import Path

BPMN_DIR = Path(__file__).resolve().parent / "bpmn"


def files() -> dict[str, bytes]:
    """Every catalog file, by name, deployed together so call activities resolve."""
    return {path.name: path.read_bytes() for path in sorted(BPMN_DIR.glob("*.bpmn")) + sorted(BPMN_DIR.glob("*.dmn"))}
