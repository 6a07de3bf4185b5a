"""Engine settings: ``settings.ENGINE`` over these defaults, read on every access so that
``override_settings`` works in tests."""

from django.conf import settings

DEFAULTS = {
    "SCRIPT_TIME_LIMIT": 1.0,
    "SCRIPT_MAX_SIZE": 1_000_000,
    "MAX_TASKS_PER_STEP": 10_000,
    # Largest serialized workflow state one instance may store (bytes).
    "MAX_STATE_SIZE": 5_000_000,
    # Callable(user, task) -> bool: may this user complete this task?
    "TASK_AUTHORIZER": "engine.authz.may_complete",
    # Callable(task_row, data) -> None, raising engine.exceptions.InvalidData.
    "FORM_VALIDATOR": None,
    # Callable() -> set[str] | None: the role codes lanes may name (None: any).
    "KNOWN_ROLES": None,
}


def get(name: str):
    return getattr(settings, "ENGINE", {}).get(name, DEFAULTS[name])
