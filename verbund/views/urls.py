"""Browser UI routes (German paths)."""

from django.urls import include, path

from international.views import transfers as international_transfers
from verbund.views import (
    auth,
    date_rules,
    duties,
    emergencies,
    pages,
    records,
    search,
    transfers,
)
from verbund.views import requests as access_requests

urlpatterns = [
    path("", pages.home, name="home"),
    path("anmelden/", auth.LoginView.as_view(), name="login"),
    path("abmelden/", auth.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("katalog/", pages.catalogue, name="catalogue"),
    path("datensaetze/", records.record_list, name="record_list"),
    path("datensaetze/neu/", records.record_new, name="record_new"),
    path("datensaetze/<str:record_id>/", records.record_detail, name="record_detail"),
    path("datensaetze/<str:record_id>/bearbeiten/", records.record_edit, name="record_edit"),
    path("datensaetze/<str:record_id>/sperren/", records.record_block_view, name="record_block"),
    path("datensaetze/<str:record_id>/loeschen/", records.record_delete_view, name="record_delete"),
    path(
        "datensaetze/<str:record_id>/hinweis/",
        records.record_correction,
        name="record_correction",
    ),
    path("treffer/<str:hit_id>/hinweis/", records.hit_correction, name="hit_correction"),
]

# Search and inbox pages (issue 3).
urlpatterns += [
    path("suche/", search.search_page, name="search"),
    path("eingang/", search.inbox_page, name="inbox"),
    path(
        "eingang/verdeckte-treffer/<str:covert_hit_id>/entscheidung/",
        search.covert_hit_decision,
        name="covert_hit_decision",
    ),
    path(
        "eingang/hinweise/<str:item_id>/entscheidung/",
        search.correction_decision,
        name="correction_decision",
    ),
]

# Overdue duties (issue 15, R-L6): the agency head's list and the supervisor's.
urlpatterns += [
    path("eingang/ueberfaellig/", duties.overdue_page, name="overdue"),
    path("aufsicht/ueberfaellig/", duties.supervision_overdue_page, name="supervision_overdue"),
]

# Transfers of findings (issue 15).
urlpatterns += [
    path(
        "datensaetze/<str:record_id>/uebermittlung/",
        transfers.transfer_new,
        name="transfer_new",
    ),
    path("uebermittlungen/", transfers.transfer_list, name="transfer_list"),
]

# Transfers abroad (issue 20, intltr): the form on the record and hit pages, the steps.
urlpatterns += [
    path(
        "international/uebermittlung/datensatz/<str:record_id>/",
        international_transfers.transfer_abroad_new,
        name="transfer_abroad_new",
    ),
    path(
        "international/uebermittlung/treffer/<str:hit_id>/",
        international_transfers.transfer_abroad_new,
        name="transfer_abroad_hit",
    ),
    path(
        "international/uebermittlung/<str:transfer_id>/",
        international_transfers.transfer_abroad_detail,
        name="transfer_abroad_detail",
    ),
]

# Eilfall (issue 15): from the hit, the owner's consent, the duty after refusal.
urlpatterns += [
    path("treffer/<str:hit_id>/eilfall/", emergencies.eilfall_new, name="eilfall_new"),
    path("eilfaelle/", emergencies.eilfall_list, name="eilfall_list"),
    path("eilfaelle/<str:emergency_id>/", emergencies.eilfall_detail, name="eilfall_detail"),
    path(
        "eilfaelle/<str:emergency_id>/zustimmung/",
        emergencies.eilfall_consent,
        name="eilfall_consent",
    ),
    path("eilfaelle/<str:emergency_id>/pflicht/", emergencies.eilfall_duty, name="eilfall_duty"),
]

# Requests for extended data and further use (issue 15).
urlpatterns += [
    path("ersuchen/", access_requests.request_list, name="request_list"),
    path("ersuchen/neu/<str:hit_id>/", access_requests.request_new, name="request_new"),
    path("ersuchen/<str:request_id>/", access_requests.request_detail, name="request_detail"),
    path(
        "ersuchen/<str:request_id>/entscheidung/",
        access_requests.request_decision,
        name="request_decision",
    ),
]

# Date rules of the agency (issue 16, R-L4a): the head's page.
urlpatterns += [
    path("fristenregeln/", date_rules.date_rules_page, name="date_rules"),
]

# Record lifecycle (issue 16): the owner's review decision and the use of blocked data.
from verbund.views import lifecycle  # noqa: E402

urlpatterns += [
    path("datensaetze/<str:record_id>/pruefung/", lifecycle.record_review, name="record_review"),
    path(
        "datensaetze/<str:record_id>/gesperrte-daten/",
        lifecycle.record_blocked_use,
        name="record_blocked_use",
    ),
]

# The BKA's public report (issue 17, R-J5): no login.
from verbund.views import reports  # noqa: E402

urlpatterns += [
    path("bericht/", reports.report, name="report"),
    path("bericht/bericht.csv", reports.report_csv, name="report_csv"),
    path("bericht/diagramm/<str:name>.svg", reports.report_chart, name="report_chart"),
]

# Who reads the log (issue 17, auditlog branch: R-I2, R-I5).
from verbund.views import auditlog  # noqa: E402

urlpatterns += [
    path("betrieb/protokoll/", auditlog.operations_log_page, name="operations_log"),
    path(
        "datensaetze/<str:record_id>/verlauf/",
        auditlog.record_history_page,
        name="record_history",
    ),
]

# Subject access (issue 17, subjects branch): the desks' pages and the owners' decisions.
urlpatterns += [path("", include("subjects.browser_urls"))]

# GWS legal basis and justice reports (issue 18, gws-basis): the owner records a justice
# decision (R-M4).
from verbund.views import justice  # noqa: E402

urlpatterns += [
    path(
        "datensaetze/<str:record_id>/justiz/",
        justice.record_justice,
        name="record_justice",
    ),
]

# Releases from state systems into GWS (issue 18, gws-release branch: R-M1).
from verbund.views import releases as state_releases  # noqa: E402

urlpatterns += [
    path("freigabe/", state_releases.release_page, name="release"),
    path("freigabe/<str:release_id>/", state_releases.release_detail, name="release_detail"),
]

# International exchange (issue 20, intlreg branch): partner registry and foreign requests.
urlpatterns += [path("", include("international.browser_urls"))]
# Issue 20, intlts: the owner's originator markings on the record page (R-N3) and the
# international figures (public, as the BKA's report).
from international.views import originator as originator_views  # noqa: E402
from international.views import statistics as international_statistics  # noqa: E402

urlpatterns += [
    path(
        "international/datensaetze/<str:record_id>/herkunft/",
        originator_views.marking_new,
        name="originator_marking_new",
    ),
    path(
        "international/datensaetze/<str:record_id>/herkunft/<str:marking_id>/freigabe/",
        originator_views.release_new,
        name="originator_release_new",
    ),
    path(
        "international/statistik/",
        international_statistics.statistics_page,
        name="international_statistics",
    ),
]
