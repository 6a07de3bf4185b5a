from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Organisation directory")

    def ready(self):
        # Registers the service tasks the directory offers to BPMN.
        from . import handlers  # noqa: F401
