from django.apps import AppConfig


class BenchAppConfig(AppConfig):
    """Registers the benchmark's service-task handler (in the bench process and its worker)."""

    name = "bench.app"
    label = "bench_app"

    def ready(self):
        from . import handlers  # noqa: F401
