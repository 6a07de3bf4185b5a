"""Background service-task handlers used by the tests (registered in the test process and in the
real Celery worker the tests start, through ``tests.worker_settings``)."""

import json
import os
import time
from pathlib import Path

from engine import handlers


@handlers.register("tests.slow_sign", background=True, description="Sleeps, then 'signs'; logs each run.")
def slow_sign(*, params, data, context):
    log = Path(params["log"])
    with log.open("a") as f:
        f.write(json.dumps({"pid": os.getpid(), "key": context.idempotency_key, "attempt": context.attempt}) + "\n")
    time.sleep(float(params.get("seconds", 0)))
    return {"signed_by": "tests.slow_sign", "key": context.idempotency_key}


@handlers.register("tests.flaky", background=True, description="Fails the first `failures` runs.")
def flaky(*, params, data, context):
    if context.attempt <= int(params.get("failures", 0)):
        raise RuntimeError(f"service unavailable (attempt {context.attempt})")
    return {"ok": True, "attempt": context.attempt}


@handlers.register("tests.lookup", description="A quick handler: runs inside the step.")
def lookup(*, params, data, context):
    return {"doubled": params.get("n", 0) * 2, "instance": str(context.instance.pk)}
