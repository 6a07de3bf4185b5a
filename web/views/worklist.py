"""The worklist: "My tasks" and "My unit's tasks", filters, sorting, pages; claim and give back."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from engine import access, services
from engine.exceptions import QuytrinhError

from .. import denials
from .. import worklist as queues
from ..guards import staff_page


@staff_page
@vary_on_headers("HX-Request")
def worklist(request):
    filters = queues.Filters.from_query(request.GET)
    rows, following = queues.page(request.user, filters, request.GET.get("after"))
    query = request.GET.copy()
    query.pop("after", None)
    context = {"filters": filters, "rows": rows, "counts": queues.counts(request.user),
               "processes": queues.processes(), "query": query.urlencode(),
               "next_query": _with(query, after=following) if following else "",
               "first_page": bool(request.GET.get("after")),
               "queue_query": {name: _with(query, queue=name) for name in queues.QUEUES}}
    template = "web/_worklist.html" if request.htmx and not request.htmx.boosted else "web/worklist.html"
    return render(request, template, context)


def _with(query, **values) -> str:
    changed = query.copy()
    for key, value in values.items():
        changed[key] = value
    return changed.urlencode()


def back_to(request, fallback: str) -> str:
    wanted = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return fallback


def _take_or_give_back(request, pk, act, done):
    task = denials.visible_or_404(request, access.actionable_tasks(request.user), pk=pk)
    try:
        act(task, actor=request.user)
        messages.success(request, done % {"name": task.name})
    except QuytrinhError as err:
        messages.error(request, err.message)
    return redirect(back_to(request, reverse("web:worklist")))


@staff_page
@require_POST
def claim(request, pk):
    return _take_or_give_back(request, pk, services.claim, _("You took the task “%(name)s”."))


@staff_page
@require_POST
def unclaim(request, pk):
    return _take_or_give_back(request, pk, services.unclaim, _("You gave the task “%(name)s” back to the unit."))
