from django.contrib import admin
from django.urls import include, path

from engine.views import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
    path("", include("operations.urls")),  # /livez, /readyz, /metrics (docs/DEPLOY.md)
    path("", include("api.urls")),
    path("", include("web.urls")),  # the staff pages; "/" is the worklist (the sign-in page for a stranger)
]
