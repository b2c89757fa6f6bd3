"""REST API v1 routes."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularSwaggerSplitView

from audit import api as audit_api
from international.api import transfers as international_transfers
from verbund.api import (
    date_rules,
    emergencies,
    inbox,
    overdue,
    records,
    reference,
    searches,
    transfers,
)
from verbund.api import requests as access_requests
from verbund.api.errors import api_not_found
from verbund.api.schema_view import SchemaView

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", template_name="verbund/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("auth/token/", reference.TokenView.as_view(), name="api-token"),
    path("me/", reference.MeView.as_view(), name="api-me"),
    path("agencies/", reference.AgencyListView.as_view(), name="api-agencies"),
    path("files/", reference.FileListView.as_view(), name="api-files"),
    path("catalogue/", reference.CatalogueView.as_view(), name="api-catalogue"),
    path(
        "catalogue/versions/",
        reference.CatalogueVersionsView.as_view(),
        name="api-catalogue-versions",
    ),
    path("records/", records.RecordListView.as_view(), name="api-records"),
    path("records/<str:record_id>/", records.RecordDetailView.as_view(), name="api-record"),
    path(
        "records/<str:record_id>/block/", records.RecordBlockView.as_view(), name="api-record-block"
    ),
    path(
        "records/<str:record_id>/correction-notices/",
        records.CorrectionNoticeView.as_view(),
        name="api-record-correction",
    ),
    path("audit/events/", audit_api.AuditEventListView.as_view(), name="api-audit-events"),
    path("audit/verify/", audit_api.AuditVerifyView.as_view(), name="api-audit-verify"),
]

# Must stay last: every unknown path under /api/ answers the JSON error shape.
catch_all = [re_path(r"^.*$", api_not_found)]

# Searches and inbox (issue 3, api.md "Searches", "Inbox").
urlpatterns += [
    path("searches/", searches.SearchCreateView.as_view(), name="api-searches"),
    path("searches/<str:search_id>/", searches.SearchDetailView.as_view(), name="api-search"),
    path("inbox/", inbox.InboxView.as_view(), name="api-inbox"),
    path(
        "covert-hits/<str:covert_hit_id>/decision/",
        inbox.CovertHitDecisionView.as_view(),
        name="api-covert-hit-decision",
    ),
    path(
        "correction-notices/<str:item_id>/decision/",
        inbox.CorrectionDecisionView.as_view(),
        name="api-correction-decision",
    ),
]

# Overdue duties (issue 15, R-L6).
urlpatterns += [
    path("overdue/", overdue.HeadOverdueView.as_view(), name="api-overdue"),
    path(
        "supervision/overdue/",
        overdue.SupervisionOverdueView.as_view(),
        name="api-supervision-overdue",
    ),
]

# Transfers of findings (issue 15, api.md "Transfers").
urlpatterns += [
    path("transfers/", transfers.TransferListView.as_view(), name="api-transfers"),
    path(
        "transfers/<str:transfer_id>/",
        transfers.TransferDetailView.as_view(),
        name="api-transfer",
    ),
]

# Transfers abroad: the owner's consent, the head's approval, sent (issue 20, intltr).
urlpatterns += [
    path(
        "transfers/<str:transfer_id>/consent/",
        international_transfers.TransferConsentView.as_view(),
        name="api-transfer-consent",
    ),
    path(
        "transfers/<str:transfer_id>/approval/",
        international_transfers.TransferApprovalView.as_view(),
        name="api-transfer-approval",
    ),
    path(
        "transfers/<str:transfer_id>/sent/",
        international_transfers.TransferSentView.as_view(),
        name="api-transfer-sent",
    ),
]

# Eilfall (issue 15, api.md "Emergency access", R-G1-G4).
urlpatterns += [
    path("emergency-accesses/", emergencies.EmergencyListView.as_view(), name="api-emergencies"),
    path(
        "emergency-accesses/<str:emergency_id>/",
        emergencies.EmergencyDetailView.as_view(),
        name="api-emergency",
    ),
    path(
        "emergency-accesses/<str:emergency_id>/consent/",
        emergencies.EmergencyConsentView.as_view(),
        name="api-emergency-consent",
    ),
    path(
        "emergency-accesses/<str:emergency_id>/duty/",
        emergencies.EmergencyDutyView.as_view(),
        name="api-emergency-duty",
    ),
]

# Requests for extended data and further use (issue 15, api.md "Requests for extended data").
urlpatterns += [
    path(
        "access-requests/",
        access_requests.AccessRequestListView.as_view(),
        name="api-access-requests",
    ),
    path(
        "access-requests/<str:request_id>/",
        access_requests.AccessRequestDetailView.as_view(),
        name="api-access-request",
    ),
    path(
        "access-requests/<str:request_id>/decision/",
        access_requests.AccessDecisionView.as_view(),
        name="api-access-request-decision",
    ),
]

# Date rules of the agency (issue 16, R-L4a).
urlpatterns += [
    path("date-rules/", date_rules.DateRuleListView.as_view(), name="api-date-rules"),
]

# Record lifecycle: reviews, blocked use, justice decisions, complaints (issue 16, R-L, R-M4).
from verbund.api import lifecycle  # noqa: E402

urlpatterns += [
    path(
        "records/<str:record_id>/review/",
        lifecycle.ReviewDecisionView.as_view(),
        name="api-record-review",
    ),
    path(
        "records/<str:record_id>/reviews/",
        lifecycle.ReviewListView.as_view(),
        name="api-record-reviews",
    ),
    path(
        "records/<str:record_id>/blocked-use/",
        lifecycle.BlockedUseView.as_view(),
        name="api-record-blocked-use",
    ),
    path(
        "records/<str:record_id>/justice-decisions/",
        lifecycle.JusticeDecisionView.as_view(),
        name="api-record-justice-decisions",
    ),
    path(
        "supervision/records/<str:record_id>/complaints/",
        lifecycle.ComplaintView.as_view(),
        name="api-supervision-complaints",
    ),
]

# The BKA's public report (issue 17, R-J5): no login.
from verbund.api import reports  # noqa: E402

urlpatterns += [
    path("reports/statistics/", reports.StatisticsView.as_view(), name="api-reports-statistics"),
]

# Supervision console (issue 17, console branch): records with their decisions (R-J6),
# delegations (R-J2), control plans and mandatory controls (R-J4, R-J7).
from verbund.api import supervision as supervision_api  # noqa: E402

urlpatterns += [
    path(
        "supervision/records/<str:record_id>/",
        supervision_api.SupervisionRecordView.as_view(),
        name="api-supervision-record",
    ),
    path(
        "supervision/delegations/",
        supervision_api.DelegationListView.as_view(),
        name="api-supervision-delegations",
    ),
    path(
        "supervision/delegations/<str:delegation_id>/revoke/",
        supervision_api.DelegationRevokeView.as_view(),
        name="api-supervision-delegation-revoke",
    ),
    path(
        "supervision/control-plans/",
        supervision_api.ControlPlanListView.as_view(),
        name="api-supervision-control-plans",
    ),
    path(
        "supervision/control-plans/<str:plan_id>/controls/",
        supervision_api.ControlListView.as_view(),
        name="api-supervision-controls",
    ),
]

# Who reads the log, and the chain's checkpoints (issue 17, auditlog branch: R-I2, R-I4, R-I5).
from audit import api_readers  # noqa: E402
from verbund.api import history  # noqa: E402

urlpatterns += [
    path(
        "audit/operations/",
        api_readers.OperationsListView.as_view(),
        name="api-audit-operations",
    ),
    path(
        "audit/checkpoints/",
        api_readers.CheckpointExportView.as_view(),
        name="api-audit-checkpoints",
    ),
    path(
        "audit/checkpoints/check/",
        api_readers.CheckpointCheckView.as_view(),
        name="api-audit-checkpoints-check",
    ),
    path(
        "records/<str:record_id>/history/",
        history.RecordHistoryView.as_view(),
        name="api-record-history",
    ),
]

# Subject access (issue 17, subjects branch): R-K1-K5, R-K3a.
from django.urls import include  # noqa: E402

urlpatterns += [path("", include("subjects.urls"))]  # type: ignore[list-item]

# State systems and their releases into GWS (issue 18, gws-release branch: R-M1, R-H1).
from verbund.api import releases as state_releases  # noqa: E402

urlpatterns += [
    path("state-systems/", state_releases.StateSystemListView.as_view(), name="api-state-systems"),
    path(
        "state-systems/<str:code>/releases/",
        state_releases.StateSystemReleaseListView.as_view(),
        name="api-state-system-releases",
    ),
    path(
        "releases/<str:release_id>/",
        state_releases.ReleaseDetailView.as_view(),
        name="api-release",
    ),
]

# International exchange (issue 20, intlreg branch): partner registry, legal bases and
# foreign requests (R-N1, R-E5).
urlpatterns += [path("", include("international.api_urls"))]  # type: ignore[list-item]
# Issue 20, intlts: originator markings and releases (R-N3) and the international figures.
from international.api import originator as originator_api  # noqa: E402
from international.api import statistics as international_statistics_api  # noqa: E402

urlpatterns += [
    path(
        "records/<str:record_id>/originator-markings/",
        originator_api.OriginatorMarkingListView.as_view(),
        name="api-originator-markings",
    ),
    path(
        "records/<str:record_id>/originator-markings/<str:marking_id>/releases/",
        originator_api.OriginatorReleaseListView.as_view(),
        name="api-originator-releases",
    ),
    path(
        "reports/international/",
        international_statistics_api.InternationalStatisticsView.as_view(),
        name="api-reports-international",
    ),
]
