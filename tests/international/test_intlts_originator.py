"""The third-party rule (R-N3): originator markings, releases, and absence of marked items in
grants, Eilfall and the BKA's report (issue 20 "Build" 4)."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from agencies.models import Agency, Officer, Role
from audit.models import AuditEvent
from international.models import OriginatorMarking, OriginatorRelease
from international.services.originator import hidden_items
from tests.conftest import PASSWORD
from tests.international.intlts_support import (
    EMAILS,
    PHONES,
    mark,
    marking_url,
    partner,
    release_url,
)
from tests.verbund.transfers.support import covert_decision, grant
from tests.verbund.views.test_no_requirement_ids_in_ui import assert_no_requirement_id

EXTENDED = {"phones": PHONES, "emails": EMAILS}


@pytest.fixture
def record(make_record: Any) -> Any:
    """An open ATD person of LKA-BW with two extended fields."""
    return make_record("lka-bw.analyst", extended=dict(EXTENDED))


def _view(api: Any, username: str, record: Any) -> dict[str, Any]:
    response = api(username).get(f"/api/v1/records/{record.pk}/")
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def _without(view: dict[str, Any], *items: str) -> dict[str, Any]:
    """The same view of the record as if the items had never been stored."""
    out = {k: v for k, v in view.items() if k not in items}
    if "extended" in out:
        out["extended"] = {k: v for k, v in out["extended"].items() if k not in items}
    return out


# ------------------------------------------------------------------ recording markings


def test_r_n3_owner_records_marking_and_lists_it_logged(api: Any, record: Any) -> None:
    made = mark(api, record, ["emails"])
    assert made["items"] == ["emails"] and made["kind"] == "third_party_rule"
    assert made["release_offered"] is True
    # The record is not stored covertly: the head is proposed covert storage (002 Rn. 10).
    assert made["covert_storage_proposed"] is True
    listed = api("lka-bw.head").get(marking_url(record)).json()
    assert [m["id"] for m in listed["markings"]] == [made["id"]]
    assert listed["covert_storage_proposed"] is True
    event = AuditEvent.objects.get(action="originator_marking.create")
    assert event.object_id == made["id"] and event.covert == []
    assert event.details["items"] == ["emails"]
    assert AuditEvent.objects.filter(action="originator_marking.list").count() == 1


def test_r_n3_marking_of_covert_record_is_logged_in_covert_column_only(
    api: Any, make_record: Any
) -> None:
    record = make_record("lka-bw.analyst", extended=dict(EXTENDED), **covert_decision("LKA-BW"))
    made = mark(api, record, ["phones"])
    assert made["covert_storage_proposed"] is False
    event = AuditEvent.objects.get(action="originator_marking.create")
    assert event.object_id == "" and event.references == [] and event.details == {}
    assert event.covert[0]["record"] == str(record.pk)
    assert event.covert[0]["originator_marking"] == made["id"]
    assert event.covert[0]["originator_details"]["items"] == ["phones"]
    # The competent supervisor (LfD BW) reads the row through the audit API and the owner's
    # head the record's history: the covert column's keys are declared (a 500 the schema
    # fuzzer found).
    events = api("lfd-bw.supervisor").get("/api/v1/audit/events/", {"page_size": 200})
    assert events.status_code == 200, events.content
    [shown] = [e for e in events.json()["results"] if e["action"] == "originator_marking.create"]
    assert shown["covert"][0]["originator_details"]["items"] == ["phones"]
    history = api("lka-bw.head").get(f"/api/v1/records/{record.pk}/history/")
    assert history.status_code == 200, history.content


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"kind": "third_party_rule", "items": ["emails"]}, "required", "partner"),
        (
            {"partner": "nobody", "kind": "third_party_rule", "items": ["emails"]},
            "unknown_partner",
            "partner",
        ),  # noqa: E501
        ({"partner": "test-dhs", "items": ["emails"]}, "required", "kind"),
        ({"partner": "test-dhs", "kind": "secret", "items": ["emails"]}, "invalid_choice", "kind"),
        ({"partner": "test-dhs", "kind": "third_party_rule", "items": []}, "required", "items"),
        (
            {"partner": "test-dhs", "kind": "third_party_rule", "items": ["vehicles"]},
            "unknown_items",
            "items",
        ),  # noqa: E501
        (
            {"partner": "test-dhs", "kind": "third_party_rule", "items": ["reference"]},
            "unknown_items",
            "items",
        ),  # noqa: E501
        (
            {"partner": "test-dhs", "kind": "third_party_rule", "items": "emails"},
            "invalid",
            "items",
        ),  # noqa: E501
        (
            {"partner": "test-dhs", "kind": "third_party_rule", "items": ["emails"], "x": 1},
            "unknown_field",
            "x",
        ),  # noqa: E501
    ],
)
def test_r_n3_marking_bad_input_is_400_naming_the_field_and_stores_nothing(
    api: Any, record: Any, body: dict[str, Any], code: str, field: str
) -> None:
    partner()
    response = api("lka-bw.analyst").post(marking_url(record), body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert field in response.json()["fields"]
    assert not OriginatorMarking.objects.exists()
    assert not AuditEvent.objects.filter(action="originator_marking.create").exists()


def test_r_n3_release_bad_input_and_comprehensive_restriction(api: Any, record: Any) -> None:
    third = mark(api, record, ["emails"])
    full = mark(api, record, ["phones"], kind="comprehensive_restriction")
    assert full["release_offered"] is False
    client = api("lka-bw.analyst")
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    good = {"recipient": {"agency": "BKA"}, "purpose": "Gefahrenabwehr", "expires_on": tomorrow}
    refused = client.post(release_url(record, full["id"]), good, format="json")
    assert refused.status_code == 422 and refused.json()["code"] == "comprehensive_restriction"
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    for body, code, field in [
        ({**good, "recipient": {}}, "required", "recipient"),
        ({**good, "recipient": {"agency": "BKA", "partner": "test-dhs"}}, "invalid", "recipient"),
        ({**good, "recipient": {"agency": "XX"}}, "unknown_agency", "recipient.agency"),
        ({**good, "recipient": {"agency": "LKA-BW"}}, "invalid", "recipient.agency"),
        ({**good, "recipient": {"partner": "nobody"}}, "unknown_partner", "recipient.partner"),
        ({**good, "purpose": ""}, "required", "purpose"),
        ({**good, "expires_on": "morgen"}, "invalid_date", "expires_on"),
        ({**good, "expires_on": yesterday}, "invalid_date", "expires_on"),
    ]:
        response = client.post(release_url(record, third["id"]), body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert response.json()["code"] == code and field in response.json()["fields"], body
    assert not OriginatorRelease.objects.exists()
    made = client.post(release_url(record, third["id"]), good, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["recipient"] == {"agency": "BKA"} and made.json()["expired"] is False
    to_partner = client.post(
        release_url(record, third["id"]),
        {**good, "recipient": {"partner": "test-dhs"}},
        format="json",
    )
    assert to_partner.status_code == 201 and to_partner.json()["recipient"] == {
        "partner": "test-dhs"
    }
    assert AuditEvent.objects.filter(action="originator_release.create").count() == 2
    # A marking of another record is not found through this one.
    assert client.post(release_url(record, "0" * 32), good, format="json").status_code == 404


# ------------------------------------------------------------------ permission matrix


@pytest.fixture
def foreign_account(reference: Any) -> str:
    """An account flagged foreign (R-N1), of an agency other than the owner."""
    Officer.objects.create_user(
        username="bka.foreign",
        password=PASSWORD,
        agency=Agency.objects.get(code="BKA"),
        role=Role.ANALYST,
        foreign=True,
    )
    return "bka.foreign"


CALLERS = [
    (None, {401}),
    ("bka.analyst", {404}),  # another agency (and one holding a grant, below)
    ("lka-bw.analyst", {200, 201}),  # the owner's analyst
    ("lka-bw.head", {200, 201}),  # the owner's head
    ("bfdi.supervisor", {403}),
    ("bka.auskunft", {404}),  # a subject desk of another agency
    ("foreign", {403, 404}),  # refused (R-N1) or, before that layer, not the owner
]


@pytest.mark.parametrize(("caller", "allowed"), CALLERS, ids=lambda c: str(c))
@pytest.mark.parametrize("endpoint", ["list", "create", "release"])
def test_r_n3_permission_matrix(
    api: Any,
    record: Any,
    foreign_account: str,
    caller: str | None,
    allowed: set[int],
    endpoint: str,
) -> None:
    grant(record, "bka.analyst")  # a grantee sees the record but never its markings
    made = mark(api, record, ["emails"])
    username = foreign_account if caller == "foreign" else caller
    client = api(username)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    if endpoint == "list":
        response = client.get(marking_url(record))
    elif endpoint == "create":
        response = client.post(
            marking_url(record),
            {"partner": "test-dhs", "kind": "third_party_rule", "items": ["phones"]},
            format="json",
        )
    else:
        response = client.post(
            release_url(record, made["id"]),
            {"recipient": {"agency": "BKA"}, "purpose": "Abgleich", "expires_on": tomorrow},
            format="json",
        )
    assert response.status_code in allowed, response.content
    if response.status_code == 404:
        # Exactly as for an invented record.
        invented = client.get(
            "/api/v1/records/00000000-0000-0000-0000-000000000000/originator-markings/"
        )
        assert response.json() == invented.json()


# ------------------------------------------------------------------ grants


def test_r_n3_grant_view_equals_record_without_marked_items_until_release(
    api: Any, record: Any
) -> None:
    grant(record, "bka.analyst")
    before = _view(api, "bka.analyst", record)
    assert before["extended"] == EXTENDED
    owner_before = _view(api, "lka-bw.analyst", record)
    made = mark(api, record, ["emails"])
    after = _view(api, "bka.analyst", record)
    assert after == _without(before, "emails")
    # Absent, not withheld: no key, no placeholder, no hint anywhere in the answer.
    text = json.dumps(after)
    assert "emails" not in text and "quelle" not in text and "originator" not in text
    assert "test-dhs" not in text and "withheld" not in text
    # The owner still sees everything.
    owner_after = _view(api, "lka-bw.analyst", record)
    assert owner_after["extended"] == EXTENDED
    assert {k: v for k, v in owner_after.items() if k != "updated_at"} == {
        k: v for k, v in owner_before.items() if k != "updated_at"
    }
    # A release for the grantee's agency lets the items appear until it expires.
    expires = timezone.localdate() + datetime.timedelta(days=10)
    response = api("lka-bw.analyst").post(
        release_url(record, made["id"]),
        {"recipient": {"agency": "BKA"}, "purpose": "Abgleich", "expires_on": expires.isoformat()},
        format="json",
    )
    assert response.status_code == 201
    assert _view(api, "bka.analyst", record) == before
    # A release for another recipient does nothing for this one.
    assert hidden_items(record, agency_id=Agency.objects.get(code="LKA-BY").pk) == {"emails"}
    with time_machine.travel(timezone.now() + datetime.timedelta(days=11)):
        assert _view(api, "bka.analyst", record) == _without(before, "emails")
        assert _view(api, "lka-bw.analyst", record)["extended"] == EXTENDED


def test_r_n3_grant_comprehensive_restriction_hides_basic_data_too(api: Any, record: Any) -> None:
    grant(record, "bka.analyst")
    before = _view(api, "bka.analyst", record)
    mark(api, record, ["basic", "phones"], kind="comprehensive_restriction")
    after = _view(api, "bka.analyst", record)
    assert after == _without(before, "basic", "phones")
    assert "basic" not in after and after["extended"] == {"emails": EMAILS}
    assert "Al-Masri" not in json.dumps(after)


# ------------------------------------------------------------------ Eilfall


def _search(api: Any, username: str, surname: str) -> str:
    body = {
        "file": "ATD",
        "mode": "name",
        "purpose": "ct_task",
        "urgency": "immediate",
        "criteria": {"surname": surname},
    }
    response = api(username).post("/api/v1/searches/", body, format="json")
    assert response.status_code == 201, response.content
    (hit,) = response.json()["hits"]
    return str(hit["hit"])


def _eilfall(api: Any, hit: str) -> dict[str, Any]:
    body = {
        "hit": hit,
        "danger": "life",
        "facts": "Anschlag für heute Abend angekündigt; Person ist Kontakt.",
        "why_no_request": "Das Ersuchen würde erst morgen beschieden.",
        "decided_by": "bka.head",
    }
    response = api("bka.analyst").post("/api/v1/emergency-accesses/", body, format="json")
    assert response.status_code == 201, response.content
    data: dict[str, Any] = response.json()
    return data


def test_r_n3_eilfall_shows_record_as_without_marked_items(api: Any, make_record: Any) -> None:
    basic = {"surname": "Eilmann", "given_names": "Karim", "date_of_birth": "1990-01-02"}
    marked = make_record("lka-bw.analyst", basic=basic, extended=dict(EXTENDED))
    plain_basic = {**basic, "surname": "Eilfrau"}
    plain = make_record("lka-bw.analyst", basic=plain_basic, extended={"phones": PHONES})
    mark(api, marked, ["emails"])
    with_marking = _eilfall(api, _search(api, "bka.analyst", "Eilmann"))["record"]
    without_items = _eilfall(api, _search(api, "bka.analyst", "Eilfrau"))["record"]
    # The view of the marked record equals that of the same record never holding the items.
    ignore = ("id", "reference", "basic")
    assert {k: v for k, v in with_marking.items() if k not in ignore} == {
        k: v for k, v in without_items.items() if k not in ignore
    }
    assert with_marking["extended"] == {"phones": PHONES}
    assert "emails" not in json.dumps(with_marking)
    # Later reads through the Eilfall alike; the owner sees everything.
    assert "emails" not in _view(api, "bka.analyst", marked)["extended"]
    assert _view(api, "lka-bw.analyst", marked)["extended"] == EXTENDED
    assert plain.pk != marked.pk


# ------------------------------------------------------------------ the BKA's report (R-J5)


def test_r_n3_bka_report_does_not_count_marked_contact_persons(api: Any, make_record: Any) -> None:
    contact = {"surname": "Kontaktmann", "given_names": "Otto", "date_of_birth": "1970-05-05"}
    record = make_record("lka-bw.analyst", extended={"contact_persons": [contact, contact]})
    make_record("lka-bw.analyst", extended={"contact_persons": [contact]})

    def contacts() -> int:
        answer = api(None).get("/api/v1/reports/statistics/").json()
        return int(answer["files"]["ATD"]["contact_persons"])

    assert contacts() == 3
    mark(api, record, ["contact_persons"])
    assert contacts() == 1
    # A marking of other items leaves the figure alone.
    other = make_record("lka-bw.analyst", extended={"contact_persons": [contact], **EXTENDED})
    mark(api, other, ["emails"])
    assert contacts() == 2


# ------------------------------------------------------------------ the record page


def test_r_n3_record_page_owner_section_forms_and_covert_proposal(
    browser: Any, record: Any, api: Any
) -> None:
    partner()
    page = browser("lka-bw.analyst")
    shown = page.get(f"/datensaetze/{record.pk}/").content.decode()
    assert "Daten ausländischer Stellen (Third-Party-Rule)" in shown
    assert "originator-covert-proposal" not in shown
    made = page.post(
        f"/international/datensaetze/{record.pk}/herkunft/",
        {"partner": "test-dhs", "kind": "comprehensive_restriction", "items": ["emails"]},
    )
    assert made.status_code == 302
    marking = OriginatorMarking.objects.get(record=record)
    assert marking.items == ["emails"] and marking.created_by.username == "lka-bw.analyst"
    shown = page.get(f"/datensaetze/{record.pk}/").content.decode()
    # The head is proposed covert storage and pointed to the storage decision (R-D4).
    assert "Vorschlag: diesen Datensatz verdeckt speichern." in shown
    assert f"/datensaetze/{record.pk}/bearbeiten/" in shown
    # A comprehensive restriction offers no release: no button, no form.
    assert "Ausdrückliche umfassende Verwendungsbeschränkung: Eine Freigabe" in shown
    assert "Freigabe erfassen" not in shown
    refused = page.post(
        f"/international/datensaetze/{record.pk}/herkunft/{marking.pk}/freigabe/",
        {"recipient_agency": "BKA", "purpose": "x", "expires_on": "2999-01-01"},
    )
    assert refused.status_code == 422
    # Bad input comes back next to its field, nothing stored.
    bad = page.post(
        f"/international/datensaetze/{record.pk}/herkunft/",
        {"partner": "", "kind": "third_party_rule", "items": ["emails"]},
    )
    assert bad.status_code == 400 and "Partner angeben." in bad.content.decode()
    assert OriginatorMarking.objects.count() == 1
    third = page.post(
        f"/international/datensaetze/{record.pk}/herkunft/",
        {"partner": "test-dhs", "kind": "third_party_rule", "items": ["phones"]},
    )
    assert third.status_code == 302
    second = OriginatorMarking.objects.get(items=["phones"])
    shown = page.get(f"/datensaetze/{record.pk}/").content.decode()
    assert "Freigabe erfassen" in shown
    assert_no_requirement_id(shown, "record page with markings")
    prefix = f"r{second.pk.hex}"
    released = page.post(
        f"/international/datensaetze/{record.pk}/herkunft/{second.pk}/freigabe/",
        {
            f"{prefix}-recipient_agency": "BKA",
            f"{prefix}-purpose": "Abgleich",
            f"{prefix}-expires_on": "2999-01-01",
        },
    )
    assert released.status_code == 302, released.content.decode()[:2000]
    assert OriginatorRelease.objects.get().recipient_agency.code == "BKA"  # type: ignore[union-attr]


def test_r_n3_record_page_of_grantee_has_no_section_and_no_marked_items(
    browser: Any, record: Any, api: Any
) -> None:
    grant(record, "bka.analyst")
    mark(api, record, ["emails"])
    shown = browser("bka.analyst").get(f"/datensaetze/{record.pk}/").content.decode()
    assert "quelle@example.org" not in shown and "+49 711 555123" in shown
    assert "Third-Party-Rule" not in shown and 'id="originator"' not in shown
    posted = browser("bka.analyst").post(
        f"/international/datensaetze/{record.pk}/herkunft/",
        {"partner": "test-dhs", "kind": "third_party_rule", "items": ["phones"]},
    )
    assert posted.status_code == 404
