from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "signing"
    verbose_name = _("Digital signatures")

    def ready(self):
        from engine import guards  # it imports the models, loaded only now

        # handlers registers the signing service tasks for BPMN; receivers listens to the document office;
        # steps holds the completion guard (models again)
        from . import handlers, receivers, steps  # noqa: F401

        guards.guard_completion(steps.guard_completion)  # a signing step is completed only by signing it
