"""A task's page: its form (from the task's JSON Schema and UI hints), save a draft, complete and go
straight on to the next task the step opened for the person; the documents the process handles and
the instance's history."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from directory import people as directory_people
from engine import access, services
from engine.exceptions import InvalidData, QuytrinhError
from engine.models import TaskStatus
from forms import drafts, registry
from forms import people as form_people
from forms import units as form_units
from forms.tasks import task_form
from signing import steps as signing_steps

from .. import deadlines, denials, documents, history, organs, outgoing, signsteps, taskforms
from .. import worklist as queues
from ..guards import staff_page


def _people(task) -> dict[str, list[dict]]:
    """Whom each person field may name: the holders of its role in the task's body (as the API's
    ``/tasks/{id}/people/``)."""
    found = {}
    for field in form_people.role_fields(task.form_key):
        candidates = form_people.candidates(task.form_key, field, body=task.body)
        if candidates is not None:
            found[field] = directory_people.choosable(candidates[1])
    return found


def _units(task) -> dict[str, dict[str, str]]:
    """Which units each unit field may name: those directly under the task's body."""
    found = {}
    for field in form_units.unit_fields(task.form_key):
        candidates = form_units.candidates(task.form_key, field, body=task.body)
        if candidates is not None:
            found[field] = candidates
    return found


def _organs(task, form) -> list[taskforms.Choice]:
    """The recipients an ``organs`` field offers, when the form has one (the task's body left out)."""
    if not any(hints.get("widget") == "organs" for hints in form["ui"]["fields"].values()):
        return []
    return organs.candidates(exclude=organs.own_code(task.body))


def _render(request, task, *, data=None, errors=None, status=200):
    user = request.user
    form = task_form(task, user)
    acting = task.status == TaskStatus.OPEN and access.acts_on(user, task)
    fields, general = [], []
    if form is not None:
        shown = form["data"] if data is None else data
        fields = taskforms.fields(form, data=shown, errors=errors or {}, people=_people(task) if acting else {},
                                  units=_units(task) if acting else {}, organs=_organs(task, form))
        general = taskforms.form_errors(form, errors or {})
    instance = task.instance
    access.note_read(user, instance, what="task")
    handled = documents.handled_by(user, instance)
    context = {
        "task": task, "instance": instance, "form": form, "fields": fields, "general_errors": general,
        "acting": acting, "has_field_errors": any(field.errors for field in fields),
        "form_title": (registry.get(task.form_key) or {}).get("title", "") if form else "",
        "has_draft": bool(form and form["draft"]) and data is None,
        "may_claim": acting and task.assignee_id is None and bool(task.candidate_group),
        "may_unclaim": acting and task.assignee_id == user.pk and bool(task.candidate_group),
        "deadline": deadlines.deadline(task.due_at),
        "documents": handled,
        "outgoing": outgoing.task_panel(user, task, handled),
        "timeline": history.timeline(instance, show_data=access.may_see_data(user, instance)),
        "may_see_instance": access.visible_instances(user).filter(pk=instance.pk).exists(),
        **signsteps.context_for(user, task),
    }
    return render(request, "web/task.html", context, status=status)


def _visible(request, pk):
    return denials.visible_or_404(
        request, access.visible_tasks(request.user).select_related("instance__definition", "assignee"), pk=pk)


@staff_page
def task_page(request, pk):
    if request.method == "POST":
        return _submit(request, pk)
    return _render(request, _visible(request, pk))


def _submit(request, pk):
    action = request.POST.get("action")
    if action == "draft":
        task = _visible(request, pk)
        form = task_form(task, request.user)
        data = taskforms.submitted(form, request.POST) if form else {}
        try:
            drafts.save_draft(task=task, user=request.user, data=data)
        except QuytrinhError as err:
            messages.error(request, err.message)
            return _render(request, task, data=data, status=err.status)
        messages.success(request, _("Draft saved. You will find it here when you come back."))
        return redirect("web:task", pk=task.pk)
    if action != "complete":
        return _render(request, _visible(request, pk), status=400)
    task = denials.visible_or_404(
        request, access.actionable_tasks(request.user).select_related("instance__definition", "assignee"), pk=pk)
    form = task_form(task, request.user)
    data = taskforms.submitted(form, request.POST) if form else {}
    try:
        signing_steps.refuse_plain_completion(task)  # a signing step is completed by signing it
        completion = services.complete(task, data=data, actor=request.user)
    except InvalidData as err:
        messages.error(request, err.message)
        return _render(request, task, data=data, errors=err.errors, status=422)
    except QuytrinhError as err:
        if err.status in (403, 404):
            denials.record(request, err.status)
        messages.error(request, err.message)
        return _render(request, task, data=data, status=err.status)
    drafts.discard_draft(task=task)  # the task is closed: nobody's draft of it is of use
    messages.success(request, _("Completed: %(name)s.") % {"name": task.name})
    following = queues.open_tasks_of(request.user, [row.pk for row in completion.opened] + completion.still_open)
    if following:
        return redirect("web:task", pk=following[0].pk)
    return redirect(reverse("web:worklist"))
