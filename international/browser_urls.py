"""Browser routes of the international app (issue 20, intlreg)."""

from __future__ import annotations

from django.urls import path

from international.views import registry as views

urlpatterns = [
    path("international/partner/", views.partner_page, name="international_partners"),
    path("international/ersuchen/", views.partner_requests_page, name="international_requests"),
]

# Red-Notice-Prüfung (issue 20, intlrn branch: R-N2).
from international.views import notices as notice_views  # noqa: E402

urlpatterns += [
    path("international/red-notices/", notice_views.red_notice_list, name="red_notice_list"),
    path(
        "international/red-notices/<str:notice_id>/",
        notice_views.red_notice_detail,
        name="red_notice_detail",
    ),
]
