"""The WSGI application, as gunicorn serves it.

Once the app is loaded (every view imported through the URLconf), its objects are moved out of
the garbage collector's reach with ``gc.freeze()``: they live as long as the process, yet a full
collection walked all of them (~160,000 objects of Django, SpiffWorkflow and pyHanko, ~50–70 ms on
this box), pausing every request in flight on that worker. That pause was the HTTP p99 (BENCHMARKS.md).
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - imports every view now, not during the first request
gc.freeze()
