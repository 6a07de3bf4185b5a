from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "signing"
    verbose_name = _("Digital signatures")

    def ready(self):
        # handlers registers the signing service tasks for BPMN; receivers listens to the document office
        from . import handlers, receivers  # noqa: F401
