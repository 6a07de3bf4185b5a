from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "web"
    verbose_name = _("Staff pages")
    default_auto_field = "django.db.models.BigAutoField"
