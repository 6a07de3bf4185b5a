"""An instance's page: the BPMN diagram with its steps marked, where it stands, its timeline, and
what the person may do (the tasks of it they act on; cancel, suspend, resume for administrators)."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engine import access, inspection, repair, services
from engine.exceptions import QuytrinhError
from engine.models import InstanceStatus, ProcessDefinition, Task, TaskStatus

from .. import deadlines, denials, documents, history
from ..guards import staff_page


@dataclass(frozen=True)
class StepRow:
    """A task of the instance as its page lists it."""

    task: Task
    deadline: deadlines.Deadline | None
    mine: bool


def _visible(request, pk):
    return denials.visible_or_404(request, access.visible_instances(request.user).select_related("definition"), pk=pk)


@staff_page
def instance_page(request, pk):
    instance = _visible(request, pk)
    user = request.user
    access.note_read(user, instance, what="page")
    tasks = list(Task.objects.filter(instance=instance).select_related("assignee", "completed_by")
                 .order_by("created_at"))
    running = instance.status in (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)
    active = inspection.active_steps(instance, tasks) if running else []
    rows = [StepRow(row, deadlines.deadline(row.due_at) if row.status == TaskStatus.OPEN else None,
                    row.status == TaskStatus.OPEN and access.acts_on(user, row)) for row in tasks]
    admin = access.is_process_admin(user)
    context = {
        "instance": instance, "rows": rows, "active": active,
        "waiting": [step for step in active if step.kind != "user_task"],
        "my_rows": [row for row in rows if row.mine],
        "documents": documents.handled_by(user, instance),
        "timeline": history.timeline(instance, show_data=access.may_see_data(user, instance)),
        "may_cancel": admin and running,
        "may_suspend": admin and instance.status == InstanceStatus.RUNNING,
        "may_resume": admin and instance.status == InstanceStatus.SUSPENDED,
    }
    return render(request, "web/instance.html", context)


@staff_page
def diagram(request, pk):
    """The BPMN XML of the instance's version and the state of each step, for the viewer."""
    instance = _visible(request, pk)
    access.note_read(request.user, instance, what="diagram")
    definition = ProcessDefinition.objects.get(pk=instance.definition_id)
    xml = next((text for text in definition.files.values() if f'id="{definition.key}"' in text),
               next(iter(definition.files.values())))
    states = inspection.diagram_states(instance)
    now = timezone.now()
    for bpmn_id in Task.objects.filter(instance=instance, status=TaskStatus.OPEN, due_at__lt=now).values_list(
            "bpmn_id", flat=True):
        states[bpmn_id] = "overdue"
    return JsonResponse({"bpmn": xml, "states": states})


@staff_page
@require_POST
def act(request, pk, verb):
    """Cancel, suspend or resume: process administrators only, with a reason."""
    instance = _visible(request, pk)
    if not access.is_process_admin(request.user):
        raise denials.not_allowed(request)
    reason = request.POST.get("reason", "")
    action = {"cancel": services.cancel, "suspend": repair.suspend, "resume": repair.resume}[verb]
    try:
        action(instance, actor=request.user, reason=reason)
        messages.success(request, _("Done."))
    except QuytrinhError as err:
        messages.error(request, err.message)
    return redirect("web:instance", pk=instance.pk)
