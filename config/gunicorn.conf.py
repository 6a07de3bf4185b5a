"""How gunicorn serves quytrinh: ``make run`` and ``make bench`` start it with this file, and a
deployment should too: ``gunicorn -c config/gunicorn.conf.py config.wsgi``.

Threaded workers with keep-alive. A kept-alive connection stays with the worker that accepted it,
and gunicorn hands a new connection to whichever worker wakes first: with 16 clients and no cap,
one worker of two held 13 of them, whose requests then waited four times as long as the others'
(116 against 27 ms, docs/BENCHMARKS.md). ``worker_connections`` caps what one worker
holds, so connections spread over the workers; beyond workers × that, a new connection waits for
a kept-alive one to close (``keepalive`` seconds idle at most, gunicorn's default of 2). Behind a
proxy that keeps upstream connections (nginx ``keepalive``), keep its pool at or below workers ×
``worker_connections``; with many browsers and no proxy, raise ``QUYTRINH_WEB_CONNECTIONS``.
"""

import os

bind = f"{os.environ.get('QUYTRINH_HOST', '127.0.0.1')}:{os.environ.get('QUYTRINH_PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("QUYTRINH_WEB_WORKERS", "2"))
threads = int(os.environ.get("QUYTRINH_WEB_THREADS", "2"))
worker_connections = int(os.environ.get("QUYTRINH_WEB_CONNECTIONS", "8"))
keepalive = int(os.environ.get("QUYTRINH_WEB_KEEPALIVE", "2"))
