"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path

from verbund import health
from verbund.api.urls import catch_all

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("verbund.api.urls")),
    path("api/", include(catch_all)),
    # Probes (verbund/health.py); public, no personal data, never cached.
    path("health/", health.health, name="health"),
    path("health/ready/", health.ready, name="health-ready"),
    path("health/live/", health.live, name="health-live"),
    path("", include("verbund.views.urls")),
]

handler400 = "verbund.views.errors.bad_request"
handler403 = "verbund.views.errors.permission_denied"
handler404 = "verbund.views.errors.not_found"
handler500 = "verbund.views.errors.server_error"

# Supervision console (issue 17, console branch): its own AdminSite at /aufsicht/, after the
# browser pages so that /aufsicht/ueberfaellig/ (verbund.views.urls) keeps working.
from verbund.console.site import console_site  # noqa: E402

urlpatterns += [path("aufsicht/", console_site.urls)]
