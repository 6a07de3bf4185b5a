"""Service tasks the directory offers to BPMN (registered in ``DirectoryConfig.ready``).

- ``directory.on_duty``: the leader on duty of the instance's body today (or of ``params["body"]``)
  and their deputy, as ``{"leader": username or None, "deputy": username or None}``. A day with
  nobody on the roster gives None: the task then goes to every leader of the body.
"""

from django.utils import timezone

from engine import handlers

from . import units


@handlers.register("directory.on_duty", description="The leader on duty of the body today, and the deputy.")
def on_duty(*, params, data, context):
    body = params.get("body") or context.instance.body
    leader, deputy = units.on_duty(body, timezone.localdate(context.now))
    return {"leader": leader, "deputy": deputy}
