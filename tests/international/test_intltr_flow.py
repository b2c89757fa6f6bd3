"""Transfers abroad: the owner sends under its own law, others need its consent (R-F2, R-F3,
R-N1); markings travel (R-C7); every step is logged; the ledger names the partner (R-G3)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.international.intltr_support import (  # noqa: F401 (fixtures)
    URL,
    Nothing,
    abroad,
    bases_fixture,
    events,
    further_use_grant,
    partners_fixture,
)
from tests.verbund.records.support import assert_error
from verbund.models import File, InboxItem, Transfer

REASONS = {"reasons": "Erforderlich zur Abwehr einer Gefahr; Rechtsgrundlage geprüft."}


@pytest.fixture
def own(make_record: Any) -> Any:
    """An open ATD person of the BKA with extended data."""
    return make_record(
        "bka.analyst",
        basic={"surname": "Ausland", "given_names": "Anton", "date_of_birth": "1981-02-03"},
        extended={"phones": ["+49 611 55501"], "profession": "Chemiker"},
    )


def test_r_f3_owner_sends_abroad_after_head_approval(
    own: Any, api: Any, partners: Any, bases: Any
) -> None:
    created = api("bka.analyst").post(URL, abroad(own, items=["basic", "phones"]), format="json")
    assert created.status_code == 201, created.content
    sent = created.json()
    assert sent["recipient"] == {"partner": "t-dhs", "name": "US Department of Homeland Security"}
    assert sent["status"] == "approval_pending"
    assert sent["channel"] == "interpol" and sent["legal_basis"] == "t-bkag3"
    assert sent["basis"] == "own_initiative" and sent["provision"] == "§ 3 BKAG"
    assert sent["items"] == ["basic", "phones"]
    assert sent["consent"] is None and sent["approval"] is None and sent["sent"] is None
    # No consent item: the owner sends under its own law.
    assert not InboxItem.objects.filter(kind="transfer_consent").exists()
    tid = sent["id"]

    # The sent step waits for the head.
    assert_error(
        api("bka.analyst").post(
            f"{URL}{tid}/sent/", {"channel": "interpol", "reference": "IP-1"}, format="json"
        ),
        422,
        "approval_required",
    )
    approved = api("bka.head").post(
        f"{URL}{tid}/approval/", {"approved": True, **REASONS}, format="json"
    )
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert approved.json()["approval"]["by"] == "bka.head"
    assert_error(
        api("bka.head").post(
            f"{URL}{tid}/approval/", {"approved": False, **REASONS}, format="json"
        ),
        409,
        "already_decided",
    )
    done = api("bka.analyst").post(
        f"{URL}{tid}/sent/", {"channel": "interpol", "reference": "IP-2026-0001"}, format="json"
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "sent"
    assert done.json()["sent"]["reference"] == "IP-2026-0001"
    assert_error(
        api("bka.analyst").post(
            f"{URL}{tid}/sent/", {"channel": "interpol", "reference": "IP-3"}, format="json"
        ),
        409,
        "already_sent",
    )
    # Every step logged.
    assert [e.object_id for e in events("transfer.create")] == [tid]
    assert [e.details["approved"] for e in events("transfer.approval")] == [True]
    assert [e.details["reference"] for e in events("transfer.sent")] == ["IP-2026-0001"]
    # The ledger names the partner.
    listed = api("bka.analyst").get(URL).json()["results"]
    assert listed[0]["recipient"]["name"] == "US Department of Homeland Security"


def test_r_f3_without_file_approval_the_owner_sends_at_once(
    own: Any, api: Any, partners: Any, bases: Any
) -> None:
    File.objects.filter(code="ATD").update(foreign_transfer_approval=False)
    created = api("bka.analyst").post(URL, abroad(own), format="json")
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "approved"
    done = api("bka.analyst").post(
        f"{URL}{created.json()['id']}/sent/",
        {"channel": "interpol", "reference": "IP-7"},
        format="json",
    )
    assert done.status_code == 200 and done.json()["status"] == "sent"


def test_r_f2_another_agency_needs_the_owners_consent(
    own: Any, api: Any, partners: Any, bases: Any
) -> None:
    further_use_grant(own, "lka-bw.analyst")
    created = api("lka-bw.analyst").post(URL, abroad(own), format="json")
    assert created.status_code == 201, created.content
    sent = created.json()
    assert sent["status"] == "consent_pending" and sent["basis"] == "grant"
    tid = sent["id"]
    # The owner's inbox asks for consent, naming the partner and the basis.
    inbox = api("bka.analyst").get("/api/v1/inbox/?kind=transfer_consent").json()["results"]
    assert [i["subject_id"] for i in inbox] == [tid]
    assert inbox[0]["payload"]["partner"] == "US Department of Homeland Security"
    assert inbox[0]["payload"]["legal_basis"] == "§ 3 BKAG"
    # The owner reads the transfer it is asked about.
    assert api("bka.analyst").get(f"{URL}{tid}/").status_code == 200
    # Neither approval nor sent before the consent.
    assert_error(
        api("lka-bw.head").post(
            f"{URL}{tid}/approval/", {"approved": True, **REASONS}, format="json"
        ),
        422,
        "owner_consent_required",
    )
    assert_error(
        api("lka-bw.analyst").post(
            f"{URL}{tid}/sent/", {"channel": "interpol", "reference": "X"}, format="json"
        ),
        422,
        "owner_consent_required",
    )
    # The sender cannot consent for the owner.
    assert_error(
        api("lka-bw.head").post(
            f"{URL}{tid}/consent/", {"granted": True, **REASONS}, format="json"
        ),
        403,
        "not_owner",
    )
    consented = api("bka.analyst").post(
        f"{URL}{tid}/consent/", {"granted": True, **REASONS}, format="json"
    )
    assert consented.status_code == 200, consented.content
    assert consented.json()["status"] == "approval_pending"
    assert consented.json()["consent"]["by"] == "bka.analyst"
    assert InboxItem.objects.get(kind="transfer_consent").done_at is not None
    assert_error(
        api("bka.head").post(f"{URL}{tid}/consent/", {"granted": False, **REASONS}, format="json"),
        409,
        "already_decided",
    )
    # The head of the sending agency approves, not the owner's head.
    assert api("bka.head").post(
        f"{URL}{tid}/approval/", {"approved": True, **REASONS}, format="json"
    ).status_code in (403, 404)
    assert_error(
        api("lka-bw.analyst").post(
            f"{URL}{tid}/approval/", {"approved": True, **REASONS}, format="json"
        ),
        403,
        "not_head",
    )
    ok = api("lka-bw.head").post(
        f"{URL}{tid}/approval/", {"approved": True, **REASONS}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    done = api("lka-bw.analyst").post(
        f"{URL}{tid}/sent/", {"channel": "direct", "reference": "LKA-BW-77"}, format="json"
    )
    assert done.status_code == 200, done.content
    assert [e.details["granted"] for e in events("transfer.consent")] == [True]


def test_r_f2_refused_consent_ends_the_transfer(
    own: Any, api: Any, partners: Any, bases: Any
) -> None:
    further_use_grant(own, "lka-bw.analyst")
    tid = api("lka-bw.analyst").post(URL, abroad(own), format="json").json()["id"]
    refused = api("bka.analyst").post(
        f"{URL}{tid}/consent/", {"granted": False, "reasons": "Quellenschutz."}, format="json"
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert_error(
        api("lka-bw.analyst").post(
            f"{URL}{tid}/sent/", {"channel": "interpol", "reference": "X"}, format="json"
        ),
        409,
        "transfer_refused",
    )
    assert_error(
        api("lka-bw.head").post(
            f"{URL}{tid}/approval/", {"approved": True, **REASONS}, format="json"
        ),
        409,
        "already_decided",
    )


def test_r_f2_holder_without_further_use_is_refused_as_before(
    own: Any, api: Any, partners: Any, bases: Any
) -> None:
    """A release of the extended data alone is for checking the match (403 use_limited)."""
    from tests.verbund.transfers.support import grant

    grant(own, "lka-bw.analyst")
    nothing = Nothing()
    assert_error(api("lka-bw.analyst").post(URL, abroad(own), format="json"), 403, "use_limited")
    nothing.assert_unchanged()


def test_r_f3_head_refuses(own: Any, api: Any, partners: Any, bases: Any) -> None:
    tid = api("bka.analyst").post(URL, abroad(own), format="json").json()["id"]
    refused = api("bka.head").post(
        f"{URL}{tid}/approval/",
        {"approved": False, "reasons": "Nicht erforderlich."},
        format="json",
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused"


def test_r_n1_transfer_from_a_hit(
    own: Any, api: Any, officer: Any, partners: Any, bases: Any
) -> None:
    from verbund.services.searches import search_run

    found = search_run(
        actor=officer("bka.analyst"),
        file="ATD",
        mode="name",
        purpose="ct_task",
        urgency="immediate",
        criteria={"surname": "Ausland"},
    )
    hit = found.answer["hits"][0]["hit"]  # type: ignore[attr-defined]
    created = api("bka.analyst").post(URL, abroad(None, hit=hit), format="json")
    assert created.status_code == 201, created.content
    assert created.json()["hit"] == hit
    assert Transfer.objects.get(pk=created.json()["id"]).record_id == own.pk
    # Another agency's hit id answers like an invented one.
    assert_error(
        api("lka-bw.analyst").post(URL, abroad(None, hit=hit), format="json"), 404, "not_found"
    )


def test_r_f2_record_blocked_since_is_not_consented_nor_sent(
    own: Any, api: Any, officer: Any, partners: Any, bases: Any
) -> None:
    from verbund.services.records import record_block

    further_use_grant(own, "lka-bw.analyst")
    tid = api("lka-bw.analyst").post(URL, abroad(own), format="json").json()["id"]
    mine = api("bka.analyst").post(URL, abroad(own), format="json").json()["id"]
    api("bka.head").post(f"{URL}{mine}/approval/", {"approved": True, **REASONS}, format="json")
    record_block(actor=officer("bka.analyst"), record_id=own.pk, reason="Richtigkeit bestritten.")
    assert_error(
        api("bka.analyst").post(
            f"{URL}{tid}/consent/", {"granted": True, **REASONS}, format="json"
        ),
        409,
        "record_blocked",
    )
    refused = api("bka.analyst").post(
        f"{URL}{tid}/consent/", {"granted": False, **REASONS}, format="json"
    )
    assert refused.status_code == 200
    assert_error(
        api("bka.analyst").post(
            f"{URL}{mine}/sent/", {"channel": "interpol", "reference": "IP-5"}, format="json"
        ),
        409,
        "record_blocked",
    )


def test_r_n1_idempotency_key_of_an_officer_not_authorised_shows_nothing(
    own: Any, api: Any, partners: Any, bases: Any
) -> None:
    headers = {"Idempotency-Key": "desk-1"}
    first = api("bka.analyst").post(URL, abroad(own), format="json", headers=headers)
    assert first.status_code == 201
    other = api("bka.auskunft").post(URL, abroad(own), format="json", headers=headers)
    assert_error(other, 422, "idempotency_key_reused")
    assert first.json()["id"] not in other.content.decode()
