"""Service-task handlers the engine itself offers to BPMN: notifications, flags on the record and legal clocks.

    <bpmn:serviceTask id="remind"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="engine.notify" resultVariable="reminded">
        <spiffworkflow:parameters>
          <spiffworkflow:parameter id="to" type="str" value="[lead_handler]"/>
          <spiffworkflow:parameter id="message" type="str" value="'Sắp đến hạn giải quyết văn bản'"/>
        ...
"""

from django.contrib.auth import get_user_model

from . import audit, calendar, clocks, conf, handlers


def _recipients(to, context) -> set[int]:
    """Usernames, user ids, and ``role:<code>`` (holders of the role in the instance's body)."""
    items = to if isinstance(to, (list, tuple)) else [to]
    ids, names = set(), []
    for item in items:
        if isinstance(item, int):
            ids.add(item)
        elif isinstance(item, str) and item.startswith("role:"):
            ids |= set(conf.hook("ROLE_HOLDERS")(item[5:], context.instance.body))
        elif item:
            names.append(str(item))
    if names:
        user_model = get_user_model()
        ids |= set(user_model.objects.filter(**{f"{user_model.USERNAME_FIELD}__in": names})
                   .values_list("pk", flat=True))
    return ids


@handlers.register("engine.notify", description="Notify people (usernames, ids, role:<code>) with a message.")
def notify(*, params, data, context):
    recipients = _recipients(params.get("to") or [], context)
    kind = str(params.get("kind") or "notice")[:40]
    context.notify(recipients, kind, str(params.get("message") or ""))
    return {"notified": sorted(recipients), "kind": kind, "at": calendar.localize(context.now).isoformat()}


@handlers.register("engine.flag", description="Put a breach or a fact on the instance's record (event 'flagged').")
def flag(*, params, data, context):
    """A timer branch's finding (presentation late, handling overdue) lives in that branch's data,
    which the main path never sees; on the audit trail it is part of the instance's record."""
    found = {"flag": str(params.get("flag") or "flag")[:60], "detail": str(params.get("detail") or "")[:500]}
    context.record(audit.Entry("flagged", actor=None, after=found))
    return True


def _clock_handler(operation):
    def handler(*, params, data, context):
        name = str(params.get("name") or "legal")
        now = params.get("at") and calendar.localize(params["at"]) or context.now
        if operation == "start":
            clock, entry = clocks.start(context.instance, name, int(params.get("days", 0)), at=now,
                                        cutoff=bool(params.get("cutoff")), actor=context.actor)
        elif operation == "pause":
            clock, entry = clocks.pause(context.instance, name, at=now, reason=str(params.get("reason", "")),
                                        actor=context.actor)
        elif operation == "resume":
            clock, entry = clocks.resume(context.instance, name, at=now, actor=context.actor)
        elif operation == "extend":
            clock, entry = clocks.extend(context.instance, name, int(params.get("days", 0)),
                                         decision=str(params.get("decision", "")), actor=context.actor)
        else:
            clock, entry = clocks.stop(context.instance, name, at=now, actor=context.actor)
        context.record(entry)
        return clocks.as_data(clock)

    handler.__name__ = f"clock_{operation}"
    return handler


for _operation in ("start", "pause", "resume", "extend", "stop"):
    handlers.register(f"clock.{_operation}", description=f"Legal clock: {_operation}.")(_clock_handler(_operation))
