"""Small presentation helpers of the pages: urgency classes by priority, and the people's names."""

from django import template
from django.utils.translation import gettext_lazy as _

from directory.people import display_name

register = template.Library()

#: A task's priority is its document's urgency rank (the BPMN maps thuong/khan/thuong_khan/hoa_toc to 0–3).
URGENCY = {1: ("khan", _("Urgent")), 2: ("thuong-khan", _("Very urgent")), 3: ("hoa-toc", _("Flash"))}


@register.filter
def urgency_label(priority) -> str:
    found = URGENCY.get(min(int(priority or 0), 3))
    return str(found[1]) if found else ""


@register.filter
def urgency_class(priority) -> str:
    found = URGENCY.get(min(int(priority or 0), 3))
    return found[0] if found else ""


@register.filter
def person(user) -> str:
    return display_name(user) if user is not None else ""
