from django.apps import AppConfig


class JobAppConfig(AppConfig):
    name = "tests.jobapp"
    label = "tests_jobapp"

    def ready(self):
        from . import handlers  # noqa: F401
