"""Exchange of documents between bodies: the edXML packet (``edxml``, QCVN 102:2016/BTTTT as
amended in 2022) and its transport (outbox, delivery with retries, the receiving side, status
packets), and delivery between bodies of the same deployment."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Document exchange")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the exchange's service task for BPMN and its answer to documents' status changes.
        from . import handlers, statuses  # noqa: F401
