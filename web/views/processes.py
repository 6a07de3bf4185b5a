"""Starting a process: the ones the person may start (``engine.access.may_start``), started in the
body where they hold the role that starts it, then straight to its first task if it is theirs."""

from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engine import access, services
from engine.exceptions import QuytrinhError
from engine.models import ProcessDefinition

from .. import denials
from .. import worklist as queues
from ..guards import staff_page


def startable(user) -> list[ProcessDefinition]:
    newest = ProcessDefinition.objects.filter(key=OuterRef("key")).order_by("-version").values("version")[:1]
    latest = ProcessDefinition.objects.defer("files").filter(version=Subquery(newest)).order_by("name", "key")
    return [d for d in latest if access.may_start(user, d, access.owning_body(user, d))]


@staff_page
def start_page(request):
    return render(request, "web/start.html", {"definitions": startable(request.user)})


@staff_page
@require_POST
def start(request, key):
    definition = next((d for d in startable(request.user) if d.key == key), None)
    if definition is None:
        raise denials.not_found(request)
    try:
        instance = services.start(key, definition=definition, actor=request.user)
    except QuytrinhError as err:
        messages.error(request, err.message)
        return redirect("web:start")
    messages.success(request, _("Started: %(name)s.") % {"name": definition.name or definition.key})
    first = queues.open_tasks_of(request.user, instance.tasks.values_list("pk", flat=True))
    if first:
        return redirect("web:task", pk=first[0].pk)
    return redirect("web:instance", pk=instance.pk)
