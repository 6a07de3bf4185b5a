from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngineConfig(AppConfig):
    name = "engine"
    verbose_name = _("Process engine")

    def ready(self):
        # builtin_handlers registers engine.notify and clock.*; calendar listens for saved CalendarDays
        from . import builtin_handlers, calendar  # noqa: F401
