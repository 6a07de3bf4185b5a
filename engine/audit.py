"""The audit log: append-only events, hash-chained per stream, and their verification.

A stream is one process instance (``instance:<uuid>``; its chain head lives on the instance row,
written together with the state) or a named stream such as ``definition:<key>`` (head in
``AuditStream``). ``hash = sha256(prev_hash + canonical JSON)``: editing a row breaks its hash,
deleting or reordering rows breaks the sequence or the links, deleting the newest rows leaves
the stored head pointing past the end.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast
from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import AuditEvent, AuditStream, ProcessInstance

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@dataclass
class Entry:
    """An event to append; ``before``/``after`` are what the change replaced and what it wrote."""

    action: str
    actor: "User | AnonymousUser | str | None" = None  # a name stands for an actor without an account
    task_id: UUID | None = None
    element: str = ""
    before: object = None
    after: object = None
    extra: dict = field(default_factory=dict)


def person(user=None, *, pk: int | None = None, username: str = "") -> dict | None:
    """How an event names a person: ``{"id": …, "username": …}``, stable however the account is
    renamed later (the id) and readable on its own (the username); None for nobody."""
    if user is not None:
        pk, username = user.pk, user.get_username()
    return None if pk is None else {"id": pk, "username": username}


def jsonable(value):
    """The value as stored in a JSON column (dates as ISO strings), so hashing is reproducible."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _fields(event: AuditEvent) -> dict:
    at = event.at.astimezone(UTC) if event.at.tzinfo else event.at.replace(tzinfo=UTC)
    return {
        "stream": event.stream,
        "seq": event.seq,
        "instance": str(event.instance_id) if event.instance_id else None,
        "at": at.isoformat(),
        "actor": event.actor_name,
        "action": event.action,
        "task": str(event.task_id) if event.task_id else None,
        "element": event.element,
        "before": event.before,
        "after": event.after,
    }


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    canonical = json.dumps(_fields(event), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _build(stream: str, seq: int, prev: str, entry: Entry, at: datetime, instance_id=None) -> AuditEvent:
    # Only a stored user has a pk, so only a stored user is linked (not an anonymous one, nor a name).
    actor = cast("User", entry.actor) if getattr(entry.actor, "pk", None) is not None else None
    event = AuditEvent(
        stream=stream,
        seq=seq,
        instance_id=instance_id,
        at=at,
        actor=actor,
        actor_name=getattr(actor, "username", "") or (entry.actor if isinstance(entry.actor, str) else ""),
        action=entry.action,
        task_id=entry.task_id,
        element=entry.element or "",
        before=jsonable(entry.before),
        after=jsonable(entry.after),
        prev_hash=prev,
    )
    event.hash = compute_hash(prev, event)
    return event


def chain_for_instance(instance: ProcessInstance, entries: list[Entry], at: datetime) -> list[AuditEvent]:
    """Events for a locked instance; advances ``instance.audit_seq/audit_head`` in memory.

    The caller stores them (``bulk_create``) in the same transaction as the instance row.
    """
    events = []
    for entry in entries:
        event = _build(instance.audit_stream, instance.audit_seq + 1, instance.audit_head, entry, at, instance.pk)
        instance.audit_seq, instance.audit_head = event.seq, event.hash
        events.append(event)
    return events


def append(target: "str | ProcessInstance", entries: list[Entry], *, at: datetime | None = None) -> list[AuditEvent]:
    """Append to a stream: an instance the caller has locked (its chain head is written with the
    events), or a named stream such as ``access`` (writers serialised on its head row). A step
    stores its events with its state instead (``chain_for_instance``)."""
    at = at or timezone.now()
    if isinstance(target, ProcessInstance):
        events = chain_for_instance(target, entries, at)
        ProcessInstance.objects.filter(pk=target.pk).update(audit_seq=target.audit_seq, audit_head=target.audit_head)
        AuditEvent.objects.bulk_create(events)
        return events
    with transaction.atomic():
        AuditStream.objects.get_or_create(name=target)
        head = AuditStream.objects.select_for_update().get(name=target)
        events = []
        for entry in entries:
            event = _build(target, head.seq + 1, head.head, entry, at)
            head.seq, head.head = event.seq, event.hash
            events.append(event)
        AuditEvent.objects.bulk_create(events)
        head.save(update_fields=["seq", "head"])
    return events


@dataclass(frozen=True)
class Problem:
    stream: str
    seq: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.stream}" + (f"#{self.seq}" if self.seq else "") + f": {self.message}"


def verify(stream: str | None = None) -> list[Problem]:
    """Every broken, edited or missing link, in every stream (or just one)."""
    heads = _heads(stream)
    problems: list[Problem] = []
    events = AuditEvent.objects.order_by("stream", "seq")
    if stream:
        events = events.filter(stream=stream)
    current, expected_seq, prev_hash = None, 1, ""
    seen = set()
    for event in events.iterator(chunk_size=2000):
        if event.stream != current:
            if current is not None:
                problems.extend(_check_head(current, expected_seq - 1, prev_hash, heads))
            current, expected_seq, prev_hash = event.stream, 1, ""
            seen.add(current)
        if event.seq != expected_seq:
            problems.append(Problem(current, expected_seq, f"events {expected_seq}..{event.seq - 1} are missing"))
        if event.prev_hash != prev_hash:
            problems.append(Problem(current, event.seq, "link to the previous event is broken"))
        if compute_hash(event.prev_hash, event) != event.hash:
            problems.append(Problem(current, event.seq, "event was altered after it was written (hash mismatch)"))
        expected_seq, prev_hash = event.seq + 1, event.hash
    if current is not None:
        problems.extend(_check_head(current, expected_seq - 1, prev_hash, heads))
    for name, (seq, _head) in heads.items():
        if name not in seen and seq > 0:
            problems.append(Problem(name, None, f"all {seq} events are missing"))
    return problems


def _heads(stream: str | None) -> dict[str, tuple[int, str]]:
    heads = {}
    instances = ProcessInstance.objects.filter(audit_seq__gt=0).values_list("id", "audit_seq", "audit_head")
    streams = AuditStream.objects.values_list("name", "seq", "head")
    if stream:
        if stream.startswith("instance:"):
            instances, streams = instances.filter(id=stream.split(":", 1)[1]), streams.none()
        else:
            instances, streams = instances.none(), streams.filter(name=stream)
    for pk, seq, head in instances.iterator():
        heads[f"instance:{pk}"] = (seq, head)
    for name, seq, head in streams:
        heads[name] = (seq, head)
    return heads


def _check_head(stream: str, last_seq: int, last_hash: str, heads: dict) -> list[Problem]:
    if stream not in heads:
        return [Problem(stream, None, "stream has events but no recorded head")]
    seq, head = heads[stream]
    if last_seq < seq:
        return [Problem(stream, last_seq + 1, f"events {last_seq + 1}..{seq} are missing (the newest ones)")]
    if last_seq > seq or last_hash != head:
        return [Problem(stream, last_seq, "the newest event does not match the recorded chain head")]
    return []
