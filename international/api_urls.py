"""API routes of the international app (issue 20, intlreg): registry and foreign requests."""

from __future__ import annotations

from django.urls import path

from international.api import registry as api

urlpatterns = [
    path("partners/", api.PartnerListView.as_view(), name="api-partners"),
    path("partners/<str:code>/", api.PartnerDetailView.as_view(), name="api-partner"),
    path(
        "international/legal-bases/",
        api.LegalBasisListView.as_view(),
        name="api-international-legal-bases",
    ),
    path(
        "partner-requests/",
        api.PartnerRequestListView.as_view(),
        name="api-partner-requests",
    ),
    path(
        "partner-requests/<str:partner_request_id>/",
        api.PartnerRequestDetailView.as_view(),
        name="api-partner-request",
    ),
]
