"""Registry of service-task handlers, by the name a BPMN service task gives as its operator.

Domain apps (documents, signing, directory) register what they offer to BPMN here, in their
``AppConfig.ready``; the engine never imports them. A handler is called with keyword arguments
``params`` (the evaluated parameters), ``data`` (a read-only view of the task data) and
``context``: for a quick handler, the step it runs in (``engine.steps.StepContext``: the locked
instance, the actor, ``record`` an audit entry, ``notify`` people); for a background handler, the
``engine.jobs.JobContext`` (the idempotency key to pass on to external services). It returns a
JSON-serializable result that SpiffWorkflow stores in the task's result variable.

Quick handlers run inside the step's transaction; background ones (``background=True``) leave
the task started and run as a job after the step commits, retried with backoff, and must be
idempotent under their key: a job may run twice, its step completes once. Apps may also listen for
an instance being cancelled (``on_cancel``), inside that step's transaction.
"""

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
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


_step_context: ContextVar = ContextVar("quytrinh_step_context", default=None)


@contextmanager
def context(factory: Callable):
    """While a step runs, quick handlers get ``factory(spiff_task)`` as their context."""
    token = _step_context.set(factory)
    try:
        yield
    finally:
        _step_context.reset(token)


def call(name: str, params: dict, data: dict, spiff_task=None) -> object:
    """Run a quick handler inside the current step."""
    factory = _step_context.get()
    ctx = factory(spiff_task) if factory is not None else None
    return _registry[name].func(params=params, data=MappingProxyType(data), context=ctx)


_cancel_listeners: list[Callable] = []


def on_cancel(listener: Callable) -> Callable:
    """Decorator: ``listener(instance, *, actor, reason)`` runs inside the transaction that cancels an
    instance (a domain app records what the process held: a register number, a reservation)."""
    if listener not in _cancel_listeners:
        _cancel_listeners.append(listener)
    return listener


def cancelled(instance, *, actor, reason: str) -> None:
    for listener in _cancel_listeners:
        listener(instance, actor=actor, reason=reason)


def unregister(name: str) -> None:
    """For tests that register throwaway handlers."""
    _registry.pop(name, None)
