"""Messages from outside (another body answers, a document arrives): delivered once, never lost.

``deliver`` takes a message name, a correlation key, a message id and a payload. The message id
makes delivery idempotent: a repeat changes nothing and says so. The message goes to the
instance waiting for that name and key (``MessageSubscription``, kept in step with the stored
state), or starts the latest process whose start event waits for that name, or else is kept as
*unmatched* and listed; an instance that starts waiting for it later receives it in that step.
Two different instances waiting for the same name and key is ambiguous and refused.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.exceptions import WorkflowException

from . import audit, steps
from .exceptions import Conflict, InvalidData
from .models import Message, MessageStatus, MessageSubscription, ProcessDefinition


@dataclass(frozen=True)
class Delivery:
    message: Message
    duplicate: bool

    @property
    def status(self) -> str:
        return self.message.status

    @property
    def instance_id(self):
        return self.message.instance_id


def deliver(*, name: str, message_id: str, correlation_key: str = "", data: dict | None = None,
            actor=None) -> Delivery:
    """Deliver a message once; see the module docstring."""
    from .services import checked_data, recording_failures, start

    name, correlation_key, message_id = (name or "").strip(), (correlation_key or "").strip(), (message_id or "").strip()
    if not name or not message_id:
        raise InvalidData(_("A message needs a name and a message id."),
                          errors={k: [_("Required.")] for k, v in (("name", name), ("message_id", message_id)) if not v})
    payload = checked_data(data)
    existing = Message.objects.filter(message_id=message_id).first()
    if existing is not None:
        return _repeat(existing, name, correlation_key)
    try:
        with transaction.atomic():
            message = Message.objects.create(message_id=message_id[:200], name=name[:200],
                                             correlation_key=correlation_key[:200], payload=payload,
                                             status=MessageStatus.RECEIVED,
                                             sender=actor if getattr(actor, "pk", None) else None)
            subscriptions = list(MessageSubscription.objects.filter(name=name, correlation_key=correlation_key)
                                 .order_by("id").values_list("instance_id", "task_id"))
            if len({instance_id for instance_id, _task in subscriptions}) > 1:
                raise Conflict(_("More than one process is waiting for this message; it was not delivered."))
            for instance_id, task_id in subscriptions:
                with recording_failures(_Stub(instance_id), actor):
                    step = steps.locked(instance_id, actor=actor, now=timezone.now())
                    spiff_task = steps.waiting_messages(step.workflow).get(task_id)
                    if spiff_task is not None and into_step(step, spiff_task, message):
                        step.run()
                        steps.write([step.plan()])
                        return Delivery(message, duplicate=False)
            key = _starting_process(name)
            if key is not None:
                instance = start(key, data=payload, actor=actor, business_key=correlation_key,
                                 message=message)
                Message.objects.filter(pk=message.pk).update(status=MessageStatus.STARTED, instance=instance,
                                                              correlated_at=timezone.now())
            else:
                Message.objects.filter(pk=message.pk).update(status=MessageStatus.UNMATCHED)
            message.refresh_from_db()
            return Delivery(message, duplicate=False)
    except IntegrityError:  # the same message id, delivered at the same moment: the other one won
        existing = Message.objects.filter(message_id=message_id).first()
        if existing is None:
            raise
        return _repeat(existing, name, correlation_key)


class _Stub:
    def __init__(self, pk):
        self.pk = pk


def _repeat(existing: Message, name: str, correlation_key: str) -> Delivery:
    if (existing.name, existing.correlation_key) != (name, correlation_key):
        raise Conflict(_("This message id was already used for another message."))
    return Delivery(existing, duplicate=True)


def into_step(step: "steps.Step", spiff_task, message: Message) -> bool:
    """Hand the message to a waiting catch event of a loaded step; True if the workflow took it."""
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


def absorb_buffered(step: "steps.Step") -> None:
    """Deliver kept (unmatched) messages to the catch events this step has just started waiting on."""
    delivered = True
    while delivered:
        delivered = False
        for task_id, spiff_task in steps.waiting_messages(step.workflow).items():
            if task_id in step.before_messages or task_id in step.absorbed:
                continue
            step.absorbed.add(task_id)
            key = steps.correlation_key(spiff_task, step.instance)
            message = (Message.objects.filter(status=MessageStatus.UNMATCHED,
                                              name=spiff_task.task_spec.event_definition.name, correlation_key=key)
                       .order_by("received_at", "id").first())
            if message is not None and into_step(step, spiff_task, message):
                step.workflow.do_engine_steps()
                delivered = True
                break


def _starting_process(name: str) -> str | None:
    """The key of the process whose latest version starts on this message, if any."""
    latest = ProcessDefinition.objects.values("key").annotate(version=Max("version"))
    for row in latest:
        definition = ProcessDefinition.objects.defer("files").get(key=row["key"], version=row["version"])
        spec = steps.info_of(definition).spec
        for task_spec in spec.task_specs.values():
            event = getattr(task_spec, "event_definition", None)
            if (isinstance(event, MessageEventDefinition) and event.name == name
                    and type(task_spec).__name__ == "StartEvent"):
                return row["key"]
    return None


def unmatched(*, name: str | None = None):
    """Messages kept because nothing matched them, oldest first."""
    messages = Message.objects.filter(status=MessageStatus.UNMATCHED).order_by("received_at")
    return messages.filter(name=name) if name else messages

