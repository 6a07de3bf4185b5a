"""Storing and restoring SpiffWorkflow state, without the spec and without finished history.

Two things keep the cost of a step proportional to the instance's *active* state:

- the spec is not stored per instance: ``load`` attaches the cached spec of the definition
  version (72 % of a plain SpiffWorkflow blob is the spec);
- ``compact`` cuts the finished trunk of the task tree. SpiffWorkflow keeps every task forever
  and a loop drawn as a gateway back-edge makes the tree one level deeper per round, so each
  step walks (and each save writes) the whole history; past depth 1,000 its iterator stops
  seeing tasks and reports the process complete although no end event was reached (measured
  with SpiffWorkflow 3.2.0; ``bench`` shows it: docs/BENCHMARKS.md). History lives in the audit
  log instead.
"""

import json
import zlib
from uuid import UUID

from django.utils.translation import gettext as _
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SPIFF_VERSION
from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG
from SpiffWorkflow.spiff.specs.defaults import ServiceTask as SpiffServiceTask
from SpiffWorkflow.util.task import TaskState

from . import bpmn_specs, expressions, handlers, sandbox
from .exceptions import EngineInvariantError, ScriptError

#: Stored inside each state: SpiffWorkflow's format plus ours (spec stripped, tree compacted,
#: deflated); ``load`` reads only this one.
SERIALIZER_VERSION = f"{SPIFF_VERSION}+q1z"

# Our service-task spec serializes like SpiffWorkflow's (spec diffs for migrations convert specs).
_REGISTRY = BpmnWorkflowSerializer.configure(
    {**DEFAULT_CONFIG, bpmn_specs.EngineServiceTask: DEFAULT_CONFIG[SpiffServiceTask]})
REGISTRY = _REGISTRY
_WORKFLOW_CONVERTER = BpmnWorkflowConverter(BpmnWorkflow, _REGISTRY)
_NOT_FINISHED = TaskState.NOT_FINISHED_MASK


class ScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's engine with the sandbox, and service tasks dispatched to registered handlers."""

    def call_service(self, task, operation_name=None, operation_params=None, **kwargs):
        handler = handlers.get(operation_name)
        if handler is None:
            raise ScriptError(_("No service-task handler named '%(handler)s' is registered.")
                              % {"handler": operation_name})
        params = {k: v.get("value") for k, v in (operation_params or {}).items()}
        return json.dumps(handlers.call(operation_name, params, task.data, task))


SCRIPT_ENGINE = ScriptEngine(environment=sandbox.RestrictedEnvironment(
    {**sandbox.default_helpers(), **expressions.HELPERS}))


def new_workflow(spec, subprocess_specs, data: dict | None) -> BpmnWorkflow:
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=SCRIPT_ENGINE)
    workflow.task_tree.data.update(data or {})
    return workflow


def dump(workflow: BpmnWorkflow) -> bytes:
    """Serialize (format 1.5 without ``spec``/``subprocess_specs``) to compact JSON, deflated: the
    stored row stays small enough for the database to keep inline and not compress again."""
    last = workflow.last_task
    dct = {
        "serializer_version": SERIALIZER_VERSION,
        "data": _REGISTRY.convert(_REGISTRY.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(last.id) if last is not None and last.id in workflow.tasks else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": {str(task_id): _REGISTRY.convert(task) for task_id, task in workflow.tasks.items()},
        "root": str(workflow.task_tree.id),
        "subprocesses": {str(sp_id): _REGISTRY.convert(sp) for sp_id, sp in workflow.subprocesses.items()},
        "bpmn_events": _REGISTRY.convert(workflow.bpmn_events),
    }
    return zlib.compress(json.dumps(dct, separators=(",", ":"), ensure_ascii=False).encode(), 1)


def as_dict(stored: bytes | memoryview) -> dict:
    """The stored state as a dict, for inspection."""
    return json.loads(zlib.decompress(stored))


def load(spec, subprocess_specs, stored: bytes | memoryview) -> BpmnWorkflow:
    """Rebuild a workflow from ``dump`` output and the cached spec; the script engine is attached.
    A state written in another format (by another release) is refused, never half-read: an upgrade
    that changes the format must migrate stored states first."""
    dct = as_dict(stored)
    version = dct.get("serializer_version")
    if version != SERIALIZER_VERSION:
        raise EngineInvariantError(
            _("The stored process state has format %(found)s, which this version (format %(known)s) cannot read.")
            % {"found": version, "known": SERIALIZER_VERSION})
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=SCRIPT_ENGINE, deserializing=True)
    workflow.tasks = {UUID(k): _REGISTRY.restore(v, workflow=workflow) for k, v in dct["tasks"].items()}
    workflow.task_tree = workflow.tasks[UUID(dct["root"])]
    _WORKFLOW_CONVERTER.set_default_attributes(workflow, dct)
    _WORKFLOW_CONVERTER.subprocesses_from_dict(dct["subprocesses"], workflow)
    workflow.bpmn_events = _REGISTRY.restore(dct.get("bpmn_events", []))
    return workflow


def summary_value(expression: str, data: dict) -> str:
    """A process's ``subject``/``businessKey``/``sender`` expression evaluated in the sandbox against
    its data, as text; empty while the data cannot give it (a field not filled in yet)."""
    try:
        value = SCRIPT_ENGINE.environment.evaluate(expression, data)
    except Exception:  # noqa: BLE001 - a field the process has not filled in yet: nothing to show yet
        return ""
    return "" if value is None else str(value).strip()


def all_tasks(workflow: BpmnWorkflow):
    """Every task of the workflow and its subprocesses, without SpiffWorkflow's depth-limited iterator."""
    yield from workflow.tasks.values()
    for subprocess in workflow.subprocesses.values():
        yield from subprocess.tasks.values()


def ready_human_tasks(workflow: BpmnWorkflow) -> dict:
    return {t.id: t for t in all_tasks(workflow) if t.state == TaskState.READY and t.task_spec.manual}


def current_data(workflow: BpmnWorkflow) -> dict:
    """The process data as it stands: the end's data once finished, else what its live tasks hold."""
    if not has_unfinished(workflow):
        return dict(workflow.data)
    live = TaskState.READY | TaskState.WAITING | TaskState.STARTED
    merged: dict = {}
    for task in workflow.tasks.values():
        if task.state & live:
            merged.update(task.data)
    return merged


def has_unfinished(workflow: BpmnWorkflow) -> bool:
    return any(t.state & _NOT_FINISHED for t in workflow.tasks.values())


def reached_end(workflow: BpmnWorkflow) -> bool:
    """True only if the top-level ``End`` task completed: SpiffWorkflow's own ``is_completed`` may
    say True for a process that lost track of its tasks."""
    return any(t.task_spec.name == "End" and t.state == TaskState.COMPLETED for t in workflow.tasks.values())


def compact(workflow: BpmnWorkflow) -> int:
    """Drop finished history from the task tree of the workflow and its subprocesses.

    Returns the number of tasks removed.
    """
    removed = _compact_one(workflow)
    for sp_id, subprocess in list(workflow.subprocesses.items()):
        if subprocess.completed:
            parent = _find_task(workflow, sp_id)
            if parent is None or not parent._state & _NOT_FINISHED:
                removed += len(subprocess.tasks)
                del workflow.subprocesses[sp_id]
        else:
            removed += _compact_one(subprocess)
    return removed


def _find_task(workflow: BpmnWorkflow, task_id):
    if task_id in workflow.tasks:
        return workflow.tasks[task_id]
    for subprocess in workflow.subprocesses.values():
        if task_id in subprocess.tasks:
            return subprocess.tasks[task_id]
    return None


def _compact_one(workflow) -> int:
    """Contract the trunk: the path from the root down to the deepest *finished* common ancestor
    of all unfinished tasks (the cut); in a finished workflow, the path to its end.

    On that path only the deepest task of each spec is kept (and the root and the cut), with the
    finished side branches hanging off it dropped. SpiffWorkflow's gateways answer "which is my
    nearest ancestor with one of these specs?" by walking up the tree (a parallel gateway that
    merges a loop's back-edge walks up to the start event; a boundary-event join looks up its
    split); keeping the deepest task of every spec gives each such question the same answer as
    the full history, while the trunk stays no longer than the process has elements. Everything
    below the cut, where all unfinished tasks are, is untouched.
    """
    tasks = workflow.tasks
    unfinished = [t for t in tasks.values() if t._state & _NOT_FINISHED]
    if not unfinished:  # finished: keep the way to the end event (the data lives there)
        end = next((t for t in tasks.values() if t.task_spec.name == "End"), None)
        if end is None:
            return 0
        chain = _ancestors(end)
        cut = len(chain) - 1
    else:
        chain = _ancestors(unfinished[0])
        position = {t.id: i for i, t in enumerate(chain)}
        cut = len(chain) - 1
        for task in unfinished[1:]:
            node = task
            while node.id not in position:
                node = tasks[node._parent]
            cut = min(cut, position[node.id])
        while cut > 0 and chain[cut]._state & _NOT_FINISHED:
            cut -= 1
    if cut <= 1:
        return 0
    seen = {chain[cut].task_spec.name}
    kept = []
    for task in reversed(chain[1:cut]) if unfinished else ():  # a finished workflow asks no more questions
        if task.task_spec.name not in seen:
            seen.add(task.task_spec.name)
            kept.append(task)
    if len(kept) == cut - 1:
        return 0
    new_chain = [chain[0], *reversed(kept), chain[cut]]
    on_chain = {t.id for t in chain}
    kept_ids = {t.id for t in new_chain}
    removed = 0
    for task in chain[:cut] if unfinished else chain:
        for child_id in task._children:
            if child_id not in on_chain:
                removed += _drop_subtree(tasks, child_id)
        if task.id not in kept_ids:
            del tasks[task.id]
            removed += 1
    for parent, child in zip(new_chain, new_chain[1:], strict=False):
        parent._children = [child.id]
        child._parent = parent.id
    return removed


def _ancestors(task) -> list:
    chain = []
    node = task
    while node is not None:
        chain.append(node)
        node = node.parent
    chain.reverse()
    return chain


def _drop_subtree(tasks: dict, task_id) -> int:
    count, stack = 0, [task_id]
    while stack:
        task = tasks.pop(stack.pop(), None)
        if task is not None:
            stack.extend(task._children)
            count += 1
    return count
