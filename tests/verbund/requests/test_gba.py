"""Queries on behalf of the Federal Prosecutor General (R-F4, R-C7)."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from tests.verbund.records.support import assert_error
from tests.verbund.search.conftest import covert_payload
from verbund.models import Search, Transfer


def _search(api: Any, username: str, criteria: dict[str, Any], mode: str = "name") -> Any:
    return api(username).post(
        "/api/v1/searches/",
        {"file": "ATD", "mode": mode, "purpose": "gba", "urgency": "routine", "criteria": criteria},
        format="json",
    )


@pytest.mark.parametrize(
    "username",
    ["bfv.analyst", "bnd.analyst", "mad.analyst", "zka.analyst", "bpol.analyst", "lfv-bw.analyst"],
)
def test_r_f4_gba_purpose_from_any_other_agency_is_403(
    make_record: Any, api: Any, username: str
) -> None:
    make_record("bfv.analyst", basic={"surname": "Anklage", "given_names": "Egon"})
    searches = Search.objects.count()
    response = _search(api, username, {"surname": "Anklage"})
    assert_error(response, 403, "gba_not_allowed", "purpose")
    assert Search.objects.count() == searches
    assert not Transfer.objects.exists()


@pytest.mark.parametrize("username", ["bka.analyst", "lka-bw.analyst", "lka-th.head"])
def test_r_f4_bka_and_lka_results_are_recorded_as_transferred_to_the_gba(
    make_record: Any, api: Any, username: str
) -> None:
    open_one = make_record(
        "bfv.analyst", basic={"surname": "Anklage", "given_names": "Egon"}, markings=["other_law"]
    )
    contact = make_record(
        "lka-by.analyst",
        basic={"surname": "Haupt", "given_names": "Hans"},
        extended={
            "contact_persons": [
                {"surname": "Anklage", "given_names": "Egon", "date_of_birth": "1970-01-01"}
            ]
        },
    )
    covert = make_record(
        "bnd.analyst", basic={"surname": "Anklage", "given_names": "Egon"}, **covert_payload("BND")
    )
    response = _search(api, username, {"surname": "Anklage"})
    assert response.status_code == 201, response.content
    hits = response.json()["hits"]
    assert len(hits) == 2
    transfers = {t.record_id: t for t in Transfer.objects.all()}
    # One transfer per hit shown; the covert record is never a hit, so never transferred.
    assert set(transfers) == {open_one.pk, contact.pk}
    assert covert.pk not in transfers
    shown = transfers[open_one.pk]
    assert shown.basis == "gba" and shown.recipient_body == "GBA"
    assert shown.recipient_agency is None
    assert shown.provision == "§ 6 Abs. 4 ATDG"
    assert shown.purpose == "Strafverfolgung durch den Generalbundesanwalt"
    assert shown.items == ["basic", "reference"]
    assert shown.markings == ["other_law", "use_gba"]
    assert shown.officer.username == username
    assert shown.sender.code == username.split(".")[0].upper()
    assert shown.file_number == open_one.file_number
    assert transfers[contact.pk].items == ["reference"]
    assert transfers[contact.pk].markings == ["use_gba"]
    # The search's own log row names the transfers (R-I1).
    event = AuditEvent.objects.get(action="search", object_id=response.json()["id"])
    assert sorted(event.details["gba_transfers"]) == sorted(str(t.pk) for t in transfers.values())
    assert event.purpose == "gba"


def test_r_f4_feature_hits_transfer_the_reference_only(make_record: Any, api: Any) -> None:
    make_record(
        "bfv.analyst",
        basic={"surname": "Merkmal", "given_names": "Otto"},
        extended={"phones": ["+49 30 5550000"]},
    )
    response = _search(api, "bka.analyst", {"phones": "+49 30 5550000"}, mode="feature")
    assert response.status_code == 201, response.content
    (transfer,) = Transfer.objects.all()
    assert transfer.items == ["reference"]


def test_r_f4_other_purposes_record_no_transfer(make_record: Any, api: Any) -> None:
    make_record("bfv.analyst", basic={"surname": "Anklage", "given_names": "Egon"})
    response = api("bka.analyst").post(
        "/api/v1/searches/",
        {
            "file": "ATD",
            "mode": "name",
            "purpose": "ct_task",
            "urgency": "routine",
            "criteria": {"surname": "Anklage"},
        },
        format="json",
    )
    assert response.status_code == 201
    assert not Transfer.objects.exists()
