from django.urls import path

from . import views

urlpatterns = [
    path("livez", views.live, name="live"),
    path("readyz", views.ready, name="ready"),
    path("metrics", views.scrape, name="metrics"),
]
