"""Partner registry and legal bases: seeds, API, admin, page (R-N1; 000 Q1, Q4, Q6; 002 Rn. 89)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from agencies.models import Officer
from audit.models import AuditEvent
from international.models import LegalBasis, NoticeCriterion, Partner
from tests.international.intlreg_helpers import (
    FOREIGN,
    assert_served_shape,
    foreign_account,
    served_schema,
)
from verbund.services.reference import reference_data_ensure

# Who reads the registry: officers authorised for a file and supervisors (read-only).
ROLES = [
    (None, 401),
    ("bka.analyst", 200),
    ("lka-bw.analyst", 200),  # another agency: the registry is the same for everyone
    ("bka.head", 200),
    ("bfdi.supervisor", 200),
    ("bka.auskunft", 403),  # subject desk: no file
    ("bka.betrieb", 403),  # IT operations
    (FOREIGN, 403),
]
ENDPOINTS = [
    "/api/v1/partners/",
    "/api/v1/partners/us-ice/",
    "/api/v1/international/legal-bases/",
]


def test_r_n1_seeded_partners_are_exactly_those_the_seeds_name(reference: Any) -> None:
    rows = {p.code: p for p in Partner.objects.all()}
    assert set(rows) == {
        "interpol",
        "europol",
        "us-dhs",
        "us-ice",
        "us-gk-frankfurt",
        "vb-bmi-dhs",
        "vb-bka-washington-1",
        "vb-bka-washington-2",
        "vb-bpol-washington",
    }
    for partner in rows.values():
        assert partner.source.startswith("BT-Drs. 21/4196, Antwort"), partner.code
        assert partner.access_policy is False
    assert rows["us-ice"].parent == rows["us-dhs"]
    assert rows["us-ice"].case_by_case and rows["us-dhs"].case_by_case
    assert rows["us-ice"].source == "BT-Drs. 21/4196, Antworten zu Fragen 1 und 4"
    assert rows["us-gk-frankfurt"].source == "BT-Drs. 21/4196, Antwort zu Frage 6"
    assert (
        rows["interpol"].source == rows["europol"].source == "BT-Drs. 21/4196, Antwort zu Frage 6"
    )
    liaison = [(p.sender, p.host) for p in rows.values() if p.kind == "liaison_officer"]
    assert sorted(liaison) == [
        ("BKA", "Deutsche Botschaft Washington"),
        ("BKA", "Deutsche Botschaft Washington"),
        ("BMI", "DHS"),
        ("BPOL", "Deutsche Botschaft Washington"),
    ]


def test_r_n1_seeded_legal_bases_cite_their_source_and_agencies(reference: Any) -> None:
    bases = {b.code: b for b in LegalBasis.objects.all()}
    assert {b.citation for b in bases.values()} == {
        "§ 3 BKAG",
        "Nr. 123 RiVASt",
        "§ 2 BKAG",
        "§ 6 BKAG",
        "Art. 2 Beschluss 2005/671/JI des Rates vom 20.09.2005",
    }
    for code in ("bkag-2", "bkag-3", "bkag-6"):
        assert bases[code].agencies == ["BKA"]
        assert bases[code].source == "BT-Drs. 21/4196, Antwort zu Frage 4"
    rivast = bases["rivast-123"].agencies
    assert "BKA" in rivast and "BPOL" in rivast and "LKA-BW" in rivast
    assert not {"BFV", "BND", "MAD", "ZKA"} & set(rivast)
    council = bases["ratsbeschluss-2005-671-art2"]
    assert council.source == "BVerfG, Urteil vom 24.04.2013, 1 BvR 1215/07, Rn. 89"
    assert "ZKA" in council.agencies and "BKA" in council.agencies
    assert not {"BFV", "BND", "MAD", "LFV-BW"} & set(council.agencies)
    assert not any(b.covers_art10_art13 for b in bases.values())


def test_r_n1_seeds_are_idempotent_and_keep_admin_edits(reference: Any) -> None:
    Partner.objects.filter(code="us-ice").update(name="ICE (bearbeitet)")
    reference_data_ensure()
    assert Partner.objects.count() == 9
    assert LegalBasis.objects.count() == 5
    assert Partner.objects.get(code="us-ice").name == "ICE (bearbeitet)"


def test_r_n1_access_policy_cannot_be_switched_on(reference: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Partner.objects.filter(code="interpol").update(access_policy=True)


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(("username", "status"), ROLES)
def test_r_n1_registry_permission_matrix(
    api: Any, reference: Any, path: str, username: str | None, status: int
) -> None:
    if username == FOREIGN:
        foreign_account()
    response = api(username).get(path)
    assert response.status_code == status, response.content
    if username == FOREIGN:
        assert response.json()["code"] == "foreign_access_refused"


@pytest.mark.parametrize("path", ENDPOINTS)
def test_r_n1_supervisor_reads_registry_but_never_writes(api: Any, path: str) -> None:
    assert api("bfdi.supervisor").post(path, {}, format="json").status_code in (403, 405)


def test_r_n1_partner_list_filters_and_schema(api: Any) -> None:
    client = api("bka.analyst")
    schema = served_schema(client)
    page = client.get("/api/v1/partners/").json()
    assert_served_shape(schema, "/api/v1/partners/", "get", 200, page)
    assert page["count"] == 9
    liaison = client.get("/api/v1/partners/?kind=liaison_officer").json()
    assert liaison["count"] == 4
    assert {r["sender"] for r in liaison["results"]} == {"BMI", "BKA", "BPOL"}
    assert client.get("/api/v1/partners/?country=us").json()["count"] == 7
    bad = client.get("/api/v1/partners/?kind=user")
    assert bad.status_code == 400 and "kind" in bad.json()["fields"]
    assert client.get("/api/v1/partners/?bogus=1").json()["code"] == "unknown_parameter"
    ice = client.get("/api/v1/partners/us-ice/").json()
    assert_served_shape(schema, "/api/v1/partners/{code}/", "get", 200, ice)
    assert ice["parent"] == "us-dhs" and ice["kind"] == "foreign_agency"
    assert "access_policy" not in ice
    missing = client.get("/api/v1/partners/nobody/")
    assert missing.status_code == 404
    assert_served_shape(schema, "/api/v1/partners/{code}/", "get", 404, missing.json())
    bases = client.get("/api/v1/international/legal-bases/").json()
    assert_served_shape(schema, "/api/v1/international/legal-bases/", "get", 200, bases)
    assert bases["count"] == 5
    inactive = Partner.objects.get(code="europol")
    inactive.active = False
    inactive.save()
    assert client.get("/api/v1/partners/europol/").status_code == 404


def _admin() -> Client:
    admin = Officer.objects.create_superuser("intl.admin", password="x-admin-password-1")
    client = Client()
    client.force_login(admin)
    return client


def test_r_n1_admin_edits_are_logged_and_access_policy_is_read_only(reference: Any) -> None:
    client = _admin()
    partner = Partner.objects.get(code="us-gk-frankfurt")
    page = client.get(f"/admin/international/partner/{partner.pk}/change/")
    assert page.status_code == 200
    assert 'name="access_policy"' not in page.content.decode()
    assert "nie Benutzerkonten" in page.content.decode()
    body = {
        "code": "us-gk-frankfurt",
        "name": "US-Generalkonsulat Frankfurt",
        "kind": "foreign_agency",
        "country": "US",
        "sender": "",
        "host": "",
        "parent": "",
        "case_by_case": "on",
        "source": partner.source,
        "active": "on",
        "access_policy": "on",  # ignored: not a form field
    }
    response = client.post(f"/admin/international/partner/{partner.pk}/change/", body)
    assert response.status_code == 302, response.content
    partner.refresh_from_db()
    assert partner.name == "US-Generalkonsulat Frankfurt" and partner.access_policy is False
    event = AuditEvent.objects.filter(
        action="admin.change", object_type="international.partner"
    ).get()
    assert event.details["after"]["name"] == "US-Generalkonsulat Frankfurt"


def test_r_n2_admin_adds_criterion_with_source_logged(reference: Any) -> None:
    client = _admin()
    missing = client.post(
        "/admin/international/noticecriterion/add/",
        {"code": "no-source", "text": "Ohne Quelle", "source": "", "active": "on"},
    )
    assert missing.status_code == 200 and not NoticeCriterion.objects.filter(code="no-source")
    response = client.post(
        "/admin/international/noticecriterion/add/",
        {
            "code": "politisch-motiviert",
            "text": "Politisch motivierte Strafverfolgung ausgeschlossen",
            "source": "000 Q5",
            "active": "on",
        },
    )
    assert response.status_code == 302
    criterion = NoticeCriterion.objects.get(code="politisch-motiviert")
    assert AuditEvent.objects.filter(
        action="admin.create",
        object_type="international.noticecriterion",
        object_id=str(criterion.pk),
    ).exists()


def test_r_n1_admin_legal_basis_agencies_checked_and_logged(reference: Any) -> None:
    client = _admin()
    body = {
        "code": "test-basis",
        "citation": "§ 99 Test",
        "title": "Test",
        "source": "Test",
        "agencies": "BKA, NOPE",
        "active": "on",
    }
    refused = client.post("/admin/international/legalbasis/add/", body)
    assert refused.status_code == 200 and not LegalBasis.objects.filter(code="test-basis")
    body["agencies"] = "BKA, BPOL"
    assert client.post("/admin/international/legalbasis/add/", body).status_code == 302
    assert LegalBasis.objects.get(code="test-basis").agencies == ["BKA", "BPOL"]
    assert AuditEvent.objects.filter(
        action="admin.create", object_type="international.legalbasis"
    ).exists()


def test_r_n1_admin_sets_the_foreign_flag(reference: Any) -> None:
    client = _admin()
    officer = Officer.objects.get(username="bka.analyst")
    page = client.get(f"/admin/agencies/officer/{officer.pk}/change/")
    assert 'name="foreign"' in page.content.decode()


@pytest.mark.parametrize(
    ("username", "status"),
    [("bka.analyst", 200), ("bfdi.supervisor", 200), ("bka.auskunft", 403), (FOREIGN, 403)],
)
def test_r_n1_partner_page(browser: Any, username: str, status: int) -> None:
    if username == FOREIGN:
        foreign_account()
    response = browser(username).get("/international/partner/")
    assert response.status_code == status
    if status == 200:
        text = response.content.decode()
        assert "Verbindungsbeamter des BMI beim DHS" in text
        assert "Deutsche Botschaft Washington" in text
        assert "Nr. 123 RiVASt" in text and "Bundeskriminalamt" in text
        assert "liaison_officer" not in text
        assert not re.search(r"R-[A-N][0-9]", text)  # no requirement ids in the UI


def test_r_n1_partner_page_anonymous_goes_to_login(client: Client, reference: Any) -> None:
    response = client.get("/international/partner/")
    assert response.status_code == 302 and "/anmelden/" in response["Location"]
