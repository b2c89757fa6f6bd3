"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("verbund.api.urls")),
    path("", include("verbund.views.urls")),
]

handler404 = "verbund.views.errors.not_found"
