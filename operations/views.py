"""Liveness, readiness and metrics: plain Django views for load balancers, systemd and Prometheus,
outside the REST API (no authentication classes, no throttles)."""

from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from engine import audit

from . import access, health, metrics


@never_cache
@require_GET
def live(request):
    """The process answers: nothing else is asked, so an outage of the database does not make a
    supervisor restart every web server."""
    return JsonResponse({"status": "alive"})


@never_cache
@require_GET
def ready(request):
    results = health.run()
    ready = all(result.ok for result in results if result.critical)
    return JsonResponse({"status": "ready" if ready else "not ready",
                         "checks": {r.name: {"ok": r.ok, "detail": r.detail, "seconds": r.seconds,
                                             "critical": r.critical} for r in results}},
                        status=200 if ready else 503)


@never_cache
@require_GET
def scrape(request):
    if not access.may_read_metrics(request):
        audit.append("access", [audit.Entry("access_denied", after={
            "status": 404, "method": request.method, "path": request.path[:500],
            "ip": request.META.get("REMOTE_ADDR", "")})])
        raise Http404
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
