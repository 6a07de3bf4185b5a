"""Starting a process: the ones the person may start (``engine.access.may_start``), started in the
body where they hold the role that starts it (they choose when they hold it in several: a specialist
drafts for the Party Committee or for their own board), then straight to its first task if it is
theirs."""

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from directory.models import Body
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


def bodies_for(user, definition: ProcessDefinition) -> list[str]:
    """The bodies ``user`` may start ``definition`` in, the default one first (``access.owning_body``)."""
    default = access.owning_body(user, definition)
    others = [code for code in access.start_bodies(user, definition)
              if code != default and access.may_start(user, definition, code)]
    return ([default] if default else []) + others


@dataclass(frozen=True)
class Startable:
    definition: ProcessDefinition
    #: (code, name) of the bodies to choose from; empty when there is no choice to make.
    bodies: list[tuple[str, str]]


@staff_page
def start_page(request):
    user = request.user
    found = [(definition, bodies_for(user, definition)) for definition in startable(user)]
    names = dict(Body.objects.filter(code__in={code for _d, codes in found for code in codes})
                 .values_list("code", "name"))
    rows = [Startable(definition, [(code, names.get(code, code)) for code in codes] if len(codes) > 1 else [])
            for definition, codes in found]
    return render(request, "web/start.html", {"definitions": rows})


@staff_page
@require_POST
def start(request, key):
    definition = next((d for d in startable(request.user) if d.key == key), None)
    if definition is None:
        raise denials.not_found(request)
    body = request.POST.get("body", "")
    if body and body not in bodies_for(request.user, definition):
        raise denials.not_allowed(request, _("You may not start this process."))
    try:
        instance = services.start(key, definition=definition, actor=request.user, body=body)
    except QuytrinhError as err:
        messages.error(request, err.message)
        return redirect("web:start")
    messages.success(request, _("Started: %(name)s.") % {"name": definition.name or definition.key})
    first = queues.open_tasks_of(request.user, instance.tasks.values_list("pk", flat=True))
    if first:
        return redirect("web:task", pk=first[0].pk)
    return redirect("web:instance", pk=instance.pk)
