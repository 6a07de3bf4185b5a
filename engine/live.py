"""Workflows kept alive between steps, per process: the next step on an instance skips
deserializing its state when this process ran the previous one (as Temporal's sticky workers do).

An entry is the workflow object exactly as the last committed step of this process left it, keyed
by instance and checked against the revision and definition the step has just locked: any step
elsewhere (another process, a repair, a migration) bumps the revision, so a stale entry is never
used. Entries are added only after their transaction commits and are taken out (not shared) for
the next step, so a step that fails leaves nothing behind. ``ENGINE["LIVE_WORKFLOWS"]`` sets how
many are kept (0: off).
"""

import threading
from collections import OrderedDict

from . import conf

_entries: OrderedDict = OrderedDict()  # instance id -> (revision, definition id, workflow)
_lock = threading.Lock()


def take(instance_id, revision: int, definition_id: int):
    """The live workflow of this instance at this revision, removed from the cache, or None."""
    with _lock:
        entry = _entries.pop(instance_id, None)
    if entry is not None and entry[0] == revision and entry[1] == definition_id:
        return entry[2]
    return None


def keep(instance_id, revision: int, definition_id: int, workflow) -> None:
    """Remember a committed step's workflow (call on commit)."""
    size = conf.get("LIVE_WORKFLOWS")
    if size <= 0:
        return
    with _lock:
        _entries[instance_id] = (revision, definition_id, workflow)
        _entries.move_to_end(instance_id)
        while len(_entries) > size:
            _entries.popitem(last=False)


def clear() -> None:
    with _lock:
        _entries.clear()
