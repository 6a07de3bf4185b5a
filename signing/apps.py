from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "signing"
    verbose_name = _("Digital signatures")

    def ready(self):
        from . import handlers  # noqa: F401 - registers the signing service tasks for BPMN
