"""The person's own notices (reminders, overdue flags, escalations, certificates to renew): a list,
mark one or all read. Nobody reads another person's notices here, administrators included."""


from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from engine import access
from engine.models import Notification, Task, TaskStatus

from .. import denials
from ..guards import staff_page

PAGE_SIZE = 50


def _task_links(user, notices) -> dict[int, object]:
    """A notice about an instance links to the open task of it the person acts on, if any."""
    instance_ids = {n.instance_id for n in notices if n.instance_id}
    open_rows = Task.objects.filter(instance_id__in=instance_ids, status=TaskStatus.OPEN).order_by("created_at")
    first: dict = {}
    for row in open_rows:
        if row.instance_id not in first and access.acts_on(user, row):
            first[row.instance_id] = row.pk
    return {n.pk: first.get(n.instance_id) for n in notices}


@staff_page
def notifications(request):
    mine = Notification.objects.filter(user_id=request.user.pk)
    unread_only = request.GET.get("unread") == "1"
    shown = mine.filter(read_at__isnull=True) if unread_only else mine
    notices = list(shown.order_by("-created_at", "-id")[:PAGE_SIZE])
    return render(request, "web/notifications.html", {
        "notices": notices, "links": _task_links(request.user, notices), "unread_only": unread_only})


@staff_page
@require_POST
def mark_read(request, pk):
    notice = denials.visible_or_404(request, Notification.objects.filter(user_id=request.user.pk), pk=pk)
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return redirect("web:notifications")


@staff_page
@require_POST
def mark_all_read(request):
    Notification.objects.filter(user_id=request.user.pk, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("web:notifications")
