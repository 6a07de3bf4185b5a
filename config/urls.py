from django.contrib import admin
from django.urls import include, path

from engine.views import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
    path("", include("api.urls")),
]
