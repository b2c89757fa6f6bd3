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

# Red Notices (issue 20, intlrn branch: R-N2).
from international.api import notices as notices_api  # noqa: E402

urlpatterns += [
    path("red-notices/", notices_api.RedNoticeListView.as_view(), name="api-red-notices"),
    path(
        "red-notices/<str:notice_id>/",
        notices_api.RedNoticeDetailView.as_view(),
        name="api-red-notice",
    ),
    path(
        "red-notices/<str:notice_id>/decision/",
        notices_api.RedNoticeDecisionView.as_view(),
        name="api-red-notice-decision",
    ),
]
