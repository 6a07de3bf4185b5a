"""The WSGI application, as gunicorn serves it.

Before the first request, each worker loads what the first requests would otherwise pay for
(every view through the URLconf, the forms with their JSON Schema checks, the national holiday
tables: ~200 ms, which made the first completions of each worker 2–3 × slower than the rest).
Then the loaded objects are moved out of the garbage collector's reach with ``gc.freeze()``: they
live as long as the process, yet a full collection walked all of them (~160,000 objects of
Django, SpiffWorkflow and pyHanko, ~50–70 ms on this box), pausing every request in flight on
that worker. That pause was the HTTP p99 (docs/BENCHMARKS.md). Nothing here touches the database.
"""

import gc
import logging
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
if settings.SECRET_KEY == settings.EPHEMERAL_SECRET_KEY:
    logging.getLogger(__name__).warning(
        "SECRET_KEY is not set and make run made no var/secret_key: this process signs sessions with a key "
        "of its own, which other processes and restarts do not share. Set SECRET_KEY.")


def _load_ahead() -> None:
    import holidays.countries  # noqa: F401 - the first deadline would import every country's module

    from forms import registry  # an app module: importable only once get_wsgi_application() set Django up

    get_resolver().url_patterns  # noqa: B018 - imports every view
    registry.keys()  # reads and checks every form's schema, importing jsonschema


_load_ahead()
gc.freeze()
