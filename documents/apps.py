from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Document office")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the service tasks documents offers to BPMN, and the guard on process data.
        from . import access, handlers  # noqa: F401
