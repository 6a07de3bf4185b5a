from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutgoingConfig(AppConfig):
    name = "outgoing"
    verbose_name = _("Outgoing documents")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the service tasks of the outgoing procedure, and recall's listener (a replacement
        # issued recalls its original).
        from . import handlers, recall  # noqa: F401
