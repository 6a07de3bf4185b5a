"""Registry of service-task handlers, by the name a BPMN service task gives as its operator.

Domain apps (documents, signing, directory) register what they offer to BPMN here, in their
``AppConfig.ready``; the engine never imports them. A handler receives the evaluated
parameters and a read-only view of the task data, and returns a JSON-serializable result that
SpiffWorkflow stores in the task's result variable.
"""

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Handler:
    name: str
    func: Callable[..., object]
    #: Slow or external work runs as a background job instead of inside the step's transaction.
    background: bool = False
    description: str = ""


_registry: dict[str, Handler] = {}


def register(name: str, *, background: bool = False, description: str = ""):
    """Decorator: ``@handlers.register("documents.assign_arrival_number")``."""

    def decorate(func):
        if name in _registry and _registry[name].func is not func:
            raise ValueError(f"A service-task handler named {name!r} is already registered.")
        _registry[name] = Handler(name, func, background, description or (func.__doc__ or "").strip())
        return func

    return decorate


def get(name: str) -> Handler | None:
    return _registry.get(name)


def names() -> set[str]:
    return set(_registry)


def call(name: str, params: dict, data: dict) -> object:
    """Run a quick handler inside the current step."""
    return _registry[name].func(params=params, data=MappingProxyType(data))


def unregister(name: str) -> None:
    """For tests that register throwaway handlers."""
    _registry.pop(name, None)
