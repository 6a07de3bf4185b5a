"""Matching messages to the catch events that wait for them, inside a step.

A waiting catch event is matched on its message name and a correlation key: the ``correlationKey``
expression of the event (evaluated against its data), else the instance's business key. A message
that matched nothing is kept (``unmatched``) and handed over by the step in which an instance
starts waiting for it (``absorb_buffered``). Delivering a message from outside is
``engine.messaging``.
"""

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException

from . import audit, state, waits
from .models import Message, MessageStatus, ProcessInstance


def correlation_key(spiff_task, instance: ProcessInstance) -> str:
    """The key a waiting catch event is matched on."""
    expression = (spiff_task.task_spec.extensions.get("properties") or {}).get("correlationKey")
    if expression:
        value = state.SCRIPT_ENGINE.evaluate(spiff_task, expression)
        return "" if value is None else str(value)[:200]
    return instance.business_key


def into_step(step, spiff_task, message: Message) -> bool:
    """Hand ``message`` to a waiting catch event of a loaded step (``engine.steps.Step``); True if
    the workflow took it (its correlation properties, if any, must match the payload)."""
    definition = spiff_task.task_spec.event_definition
    correlations = {}
    if definition.correlation_properties:
        try:
            correlations = definition.get_correlations(spiff_task, message.payload)
        except Exception:  # noqa: BLE001 - a payload without the correlation fields does not match
            return False
    try:
        step.workflow.send_event(BpmnEvent(definition, message.payload, correlations))
    except WorkflowException:
        return False
    now = step.now
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.CORRELATED, instance=step.instance,
                                                  correlated_at=now)
    message.status, message.instance_id, message.correlated_at = MessageStatus.CORRELATED, step.instance.pk, now
    step.entries.append(audit.Entry("message_received", actor=step.actor, task_id=spiff_task.id,
                                    element=spiff_task.task_spec.bpmn_id or "", after={
                                        "name": message.name, "message_id": message.message_id,
                                        "correlation_key": message.correlation_key, "payload": message.payload}))
    return True


def absorb_buffered(step) -> None:
    """Deliver kept (unmatched) messages to the catch events this step has just started waiting on."""
    delivered = True
    while delivered:
        delivered = False
        for task_id, spiff_task in waits.waiting_messages(step.workflow).items():
            if task_id in step.before_messages or task_id in step.absorbed:
                continue
            step.absorbed.add(task_id)
            key = correlation_key(spiff_task, step.instance)
            message = (Message.objects.filter(status=MessageStatus.UNMATCHED,
                                              name=spiff_task.task_spec.event_definition.name, correlation_key=key)
                       .order_by("received_at", "id").first())
            if message is not None and into_step(step, spiff_task, message):
                step.workflow.do_engine_steps()
                delivered = True
                break
