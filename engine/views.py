"""The one view the engine itself serves: a health check for load balancers and ``make run``."""

from django.db import connection
from django.http import JsonResponse

from .models import ProcessDefinition


def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "processes": sorted(
        ProcessDefinition.objects.values_list("key", flat=True).distinct())})
