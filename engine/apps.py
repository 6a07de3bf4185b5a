from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngineConfig(AppConfig):
    name = "engine"
    verbose_name = _("Process engine")

    def ready(self):
        from . import builtin_handlers  # noqa: F401 - registers engine.notify and clock.*
