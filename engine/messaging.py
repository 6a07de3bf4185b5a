"""Messages from outside (another body answers, a document arrives): delivered once, never lost.

``deliver`` takes a message name, a correlation key, a message id and a payload. The message id
makes delivery idempotent: a repeat changes nothing and says so. The message goes to the
instance waiting for that name and key (``MessageSubscription``, kept in step with the stored
state), or starts the latest process whose start event waits for that name, or else is kept as
*unmatched* and listed; an instance that starts waiting for it later receives it in that step
(``engine.correlation``). Two different instances waiting for the same name and key is ambiguous and refused.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition

from . import steps, waits
from .correlation import into_step
from .data import checked_data
from .exceptions import Conflict, InvalidData
from .failures import recording_failures
from .models import Message, MessageStatus, MessageSubscription, ProcessDefinition
from .services import start


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
    name, message_id = (name or "").strip(), (message_id or "").strip()
    correlation_key = (correlation_key or "").strip()
    if not name or not message_id:
        raise InvalidData(_("A message needs a name and a message id."),
                          errors={key: [_("Required.")] for key, value in (("name", name), ("message_id", message_id))
                                  if not value})
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
                with recording_failures(instance_id, actor):
                    step = steps.locked(instance_id, actor=actor, now=timezone.now())
                    spiff_task = waits.waiting_messages(step.workflow).get(task_id)
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


def _repeat(existing: Message, name: str, correlation_key: str) -> Delivery:
    if (existing.name, existing.correlation_key) != (name, correlation_key):
        raise Conflict(_("This message id was already used for another message."))
    return Delivery(existing, duplicate=True)


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

