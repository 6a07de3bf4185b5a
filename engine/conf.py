"""Engine settings: ``settings.ENGINE`` over these defaults, read on every access so that
``override_settings`` works in tests. The defaults are stated here only; ``config/settings.py``
sets what the environment changes and wires the hooks to the directory and the forms."""

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULTS = {
    "SCRIPT_TIME_LIMIT": 1.0,
    "SCRIPT_MAX_SIZE": 1_000_000,
    "MAX_TASKS_PER_STEP": 10_000,
    # Workflows kept in memory per process between steps (engine.live); 0 turns it off.
    "LIVE_WORKFLOWS": 256,
    # Largest serialized workflow state one instance may store (bytes).
    "MAX_STATE_SIZE": 5_000_000,
    # Callable(user, task) -> bool: may this user complete (or claim) this open task?
    "TASK_AUTHORIZER": "engine.access.acts_on",
    # Callable(user, definition, body) -> bool: may this user start this process in this body?
    "START_AUTHORIZER": "engine.access.may_start",
    # Callable(user) -> iterable of (role, body) held today; body "*" means every body.
    "ROLE_PAIRS": "engine.access.group_role_pairs",
    # Roles whose holders see every process of their body (and its data).
    "SUPERVISOR_ROLES": ["lanh_dao", "chanh_van_phong"],
    # Callable(task_row, data) -> None, raising engine.exceptions.InvalidData.
    "FORM_VALIDATOR": None,
    # Callable() -> set[str] | None: the role codes lanes may name (None: any).
    "KNOWN_ROLES": None,
    # Callable() -> set[str] | None: the form keys user tasks may name (None: any).
    "KNOWN_FORMS": None,
    # Callable(form_key) -> (field names, required field names) | None (an unknown form): what a task's
    # form puts in the data, for the deploy warnings about conditions on variables nothing sets.
    "FORM_FIELDS": None,
    # Callable(role, body) -> set[int]: user ids holding a role in a body (for notifications).
    "ROLE_HOLDERS": "engine.access.group_role_holders",
    # Callable(body) -> {code: name} of the units directly under a body (what x-unit fields may name).
    "UNITS": None,
    # Office hours (local time) and the one-stop desk's cut-off.
    "OFFICE_HOURS": [["07:30", "11:30"], ["13:30", "17:00"]],
    "ONE_STOP_CUTOFF": "15:00",
    # Urgency classes: rank for ordering, and the SLA for handling (working_hours/working_days/hours).
    "URGENCY": {
        "hoa_toc": {"rank": 3, "sla": {"hours": 2}},
        "thuong_khan": {"rank": 2, "sla": {"working_hours": 4}},
        "khan": {"rank": 1, "sla": {"working_days": 1}},
        "thuong": {"rank": 0, "sla": {"working_days": 5}},
    },
    # The most instances one timer sweep takes in one transaction.
    "TIMER_BATCH": 200,
    # Background jobs: attempts before an incident, first retry delay (doubles), lease.
    "JOB_MAX_ATTEMPTS": 3,
    "JOB_RETRY_DELAY": 5.0,
    "JOB_LEASE_SECONDS": 120.0,
}


def get(name: str):
    return getattr(settings, "ENGINE", {}).get(name, DEFAULTS[name])


def hook(name: str):
    """The callable a setting names (a dotted path or the callable itself), or None when unset."""
    value = get(name)
    return import_string(value) if isinstance(value, str) else value
