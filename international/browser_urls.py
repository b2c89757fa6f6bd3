"""Browser routes of the international app (issue 20, intlreg)."""

from __future__ import annotations

from django.urls import path

from international.views import registry as views

urlpatterns = [
    path("international/partner/", views.partner_page, name="international_partners"),
    path("international/ersuchen/", views.partner_requests_page, name="international_requests"),
]
