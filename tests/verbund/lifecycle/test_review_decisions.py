"""The owner's review decisions and what opens a review at once (R-L1-L4, R-H1, R-H2, R-J6,
R-M4, R-M5)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest

from agencies.models import Agency
from audit.models import AuditEvent
from tests.verbund.lifecycle.review_support import (
    days,
    decide,
    open_review,
    person,
    search,
    today,
    url,
)
from tests.verbund.records.support import Stock, assert_error
from tests.verbund.transfers.support import covert_decision, grant
from verbund.models import File, InboxItem, LegalBasis, Participation, Record
from verbund.models.files import LegalBasisKind
from verbund.models.lifecycle import ReviewCause
from verbund.services.reviews import legal_basis_reviews_open, review_open

KEEP = "Erkenntnisse weiterhin erforderlich: Verfahren 2 BJs 1/26 läuft."


@pytest.fixture
def record(make_record: Any) -> Record:
    """A BKA record with a review due (cause: its review date)."""
    rec = person(make_record, "bka.analyst", "Prüfling")
    review_open(record=rec, cause=ReviewCause.DATE)
    return rec


def _stock_with_review(record: Record) -> tuple[Stock, dict[str, Any]]:
    item = open_review(record)
    assert item is not None
    fresh = Record.objects.get(pk=record.pk)
    return Stock(), {
        "item": (item.pk, item.payload, item.done_at),
        "record": (fresh.version, fresh.review_date, fresh.status),
    }


def _assert_same(record: Record, before: tuple[Stock, dict[str, Any]]) -> None:
    stock, state = before
    stock.assert_unchanged()
    item = InboxItem.objects.get(pk=state["item"][0])
    assert (item.pk, item.payload, item.done_at) == state["item"]
    fresh = Record.objects.get(pk=record.pk)
    assert (fresh.version, fresh.review_date, fresh.status) == state["record"]


# ---------------------------------------------------------------- keep (R-L4)


def test_r_l4_keep_closes_the_review_with_reasons_and_a_new_review_date(
    api: Any, record: Record
) -> None:
    item = open_review(record)
    assert item is not None
    new_date = days(200)
    response = decide(
        api, "bka.analyst", record, outcome="keep", reasons=KEEP, review_date=new_date
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == str(item.pk) and body["kind"] == "review_due"
    assert body["done_at"] is not None
    payload = body["payload"]
    assert payload["outcome"] == "keep" and payload["reasons"] == KEEP
    assert payload["decided_by"] == "bka.analyst" and payload["decided_at"]
    assert payload["review_date"] == new_date
    assert [c["cause"] for c in payload["causes"]] == ["date"]
    fresh = Record.objects.get(pk=record.pk)
    assert fresh.review_date.isoformat() == new_date and fresh.version == 2
    assert response["ETag"] == '"2"'
    assert open_review(record) is None
    event = AuditEvent.objects.filter(action="record.review_decide").get()
    assert event.object_id == str(record.pk) and event.details["outcome"] == "keep"
    assert event.details["review_date"] == new_date and event.details["reasons"] == KEEP
    assert event.officer_username == "bka.analyst"


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"reasons": KEEP, "review_date": "2099-01-01"}, 400, "required", "outcome"),
        ({"outcome": "vergessen", "reasons": KEEP}, 400, "invalid_choice", "outcome"),
        ({"outcome": "keep", "review_date": "2099-01-01"}, 400, "required", "reasons"),
        ({"outcome": "keep", "reasons": "   "}, 400, "required", "reasons"),
        ({"outcome": "keep", "reasons": KEEP}, 400, "required", "review_date"),
        (
            {"outcome": "keep", "reasons": KEEP, "review_date": "01.02.2030"},
            400,
            "invalid_date",
            "review_date",
        ),
        (
            {"outcome": "keep", "reasons": KEEP, "review_date": "past"},
            400,
            "review_date_past",
            "review_date",
        ),
        (
            {"outcome": "keep", "reasons": KEEP, "review_date": "after"},
            400,
            "review_after_deletion",
            "review_date",
        ),
        (
            {"outcome": "keep", "reasons": 42, "review_date": "2099-01-01"},
            400,
            "invalid",
            "reasons",
        ),
        (
            {"outcome": "keep", "reasons": KEEP, "review_date": "x", "zz": 1},
            400,
            "unknown_field",
            "zz",
        ),
        ({"outcome": "blocked", "reasons": KEEP}, 400, "required", "block_reason"),
        ({"outcome": "deleted", "reasons": KEEP}, 400, "required", "ground"),
        (
            {"outcome": "deleted", "reasons": KEEP, "ground": "mood"},
            400,
            "invalid_choice",
            "ground",
        ),
    ],
)
def test_r_l4_bad_decisions_name_the_field_and_change_nothing(
    api: Any, record: Record, body: dict[str, Any], status: int, code: str, field: str
) -> None:
    if body.get("review_date") == "past":
        body["review_date"] = days(-1)
    elif body.get("review_date") == "after":
        body["review_date"] = (record.deletion_date + datetime.timedelta(days=1)).isoformat()
    before = _stock_with_review(record)
    response = api("bka.analyst").post(url(record, "review/"), body, format="json")
    assert_error(response, status, code, field)
    _assert_same(record, before)


def test_r_l4_keep_on_the_deletion_date_itself_is_allowed(api: Any, record: Record) -> None:
    last = record.deletion_date.isoformat()
    response = decide(api, "bka.analyst", record, outcome="keep", reasons=KEEP, review_date=last)
    assert response.status_code == 200, response.content


def test_r_l4_a_decision_without_an_open_review_opens_one_for_the_case_in_hand(
    api: Any, make_record: Any
) -> None:
    rec = person(make_record, "bka.analyst", "Bearbeitet")
    assert open_review(rec) is None
    response = decide(api, "bka.analyst", rec, outcome="keep", reasons=KEEP, review_date=days(30))
    assert response.status_code == 200, response.content
    payload = response.json()["payload"]
    assert [c["cause"] for c in payload["causes"]] == ["handling"]
    assert payload["outcome"] == "keep"
    assert open_review(rec) is None
    actions = list(
        AuditEvent.objects.filter(object_id=str(rec.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["record.review_open", "record.review_decide"]


def test_r_l4_a_stale_if_match_is_412_and_changes_nothing(api: Any, record: Record) -> None:
    before = _stock_with_review(record)
    response = api("bka.analyst").post(
        url(record, "review/"),
        {"outcome": "keep", "reasons": KEEP, "review_date": days(10)},
        format="json",
        HTTP_IF_MATCH='"7"',
    )
    assert response.status_code == 412
    assert response.json()["code"] == "version_conflict"
    _assert_same(record, before)


# ---------------------------------------------------------------- corrected (R-L1)


def test_r_l1_corrected_after_the_owners_patch_notes_what_was_corrected(
    api: Any, record: Record
) -> None:
    owner = api("bka.analyst")
    patched = owner.patch(url(record), {"basic": {"date_of_birth": "1984-02-04"}}, format="json")
    assert patched.status_code == 200, patched.content
    reasons = "Geburtsdatum nach Melderegister berichtigt."
    response = decide(
        api, "bka.analyst", record, outcome="corrected", reasons=reasons, review_date=days(90)
    )
    assert response.status_code == 200, response.content
    assert response.json()["payload"]["outcome"] == "corrected"
    fresh = Record.objects.get(pk=record.pk)
    assert fresh.basic["date_of_birth"] == "1984-02-04" and fresh.version == 3
    assert AuditEvent.objects.get(action="record.review_decide").details["reasons"] == reasons


def test_r_l1_corrected_needs_the_new_review_date_too(api: Any, record: Record) -> None:
    before = _stock_with_review(record)
    response = decide(api, "bka.analyst", record, outcome="corrected", reasons="berichtigt")
    assert_error(response, 400, "required", "review_date")
    _assert_same(record, before)


# ---------------------------------------------------------------- blocked, deleted (R-L2, R-L3)


def test_r_l3_blocked_decision_blocks_with_the_reason_and_closes_the_review(
    api: Any, record: Record
) -> None:
    response = decide(
        api,
        "bka.analyst",
        record,
        outcome="blocked",
        reasons="Löschung würde Beweisinteresse des Betroffenen schaden.",
        block_reason="Betroffener braucht die Daten zur Rehabilitierung.",
    )
    assert response.status_code == 200, response.content
    fresh = Record.objects.get(pk=record.pk)
    assert fresh.status == "blocked" and fresh.blocked_at is not None
    assert fresh.blocked_reason == "Betroffener braucht die Daten zur Rehabilitierung."
    assert open_review(record) is None
    actions = list(
        AuditEvent.objects.filter(object_id=str(record.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["record.block", "record.review_decide"]
    # Blocked twice: 409, nothing changes.
    review_open(record=fresh, cause=ReviewCause.HANDLING)
    again = decide(api, "bka.analyst", record, outcome="blocked", reasons="x", block_reason="y")
    assert_error(again, 409, "already_blocked")


def test_r_l2_deleted_decision_erases_the_record_with_its_review_and_keeps_the_decision(
    api: Any, record: Record
) -> None:
    item = open_review(record)
    assert item is not None
    response = decide(
        api,
        "bka.analyst",
        record,
        outcome="deleted",
        reasons="Verfahren eingestellt; Speicherung nicht mehr erforderlich.",
        ground="not_necessary",
    )
    assert response.status_code == 200, response.content
    assert response.json()["payload"]["outcome"] == "deleted"
    assert "ETag" not in response
    assert not Record.objects.filter(pk=record.pk).exists()
    assert not InboxItem.objects.filter(pk=item.pk).exists()
    delete = AuditEvent.objects.get(action="record.delete", object_id=str(record.pk))
    assert delete.details["tombstone"]["ground"] == "not_necessary"
    decision = AuditEvent.objects.get(action="record.review_decide", object_id=str(record.pk))
    assert (
        decision.details["outcome"] == "deleted" and decision.details["ground"] == "not_necessary"
    )
    assert_error(api("bka.analyst").get(url(record)), 404, "not_found")


def test_r_l3_a_blocked_record_is_deleted_only_through_a_review_decision(
    api: Any, record: Record
) -> None:
    owner = api("bka.analyst")
    assert (
        owner.post(url(record, "block/"), {"reason": "Schutzwürdig"}, format="json").status_code
        == 200
    )
    stock = Stock()
    assert_error(owner.delete(url(record)), 409, "record_blocked")
    stock.assert_unchanged()
    lapsed = "Betroffener hat die Rehabilitierung abgeschlossen; das Interesse ist entfallen."
    response = decide(
        api, "bka.analyst", record, outcome="deleted", reasons=lapsed, ground="not_necessary"
    )
    assert response.status_code == 200, response.content
    assert not Record.objects.filter(pk=record.pk).exists()
    decision = AuditEvent.objects.get(action="record.review_decide", object_id=str(record.pk))
    assert decision.details["was_blocked"] is True and decision.details["reasons"] == lapsed


def test_r_l1_a_blocked_record_cannot_be_corrected(api: Any, record: Record) -> None:
    owner = api("bka.analyst")
    assert (
        owner.post(url(record, "block/"), {"reason": "Schutzwürdig"}, format="json").status_code
        == 200
    )
    stock = Stock()
    response = decide(
        api, "bka.analyst", record, outcome="corrected", reasons="x", review_date=days(5)
    )
    assert_error(response, 409, "record_blocked")
    stock.assert_unchanged()


# ---------------------------------------------------------------- who may decide (R-H1)


@pytest.fixture
def others(make_record: Any) -> dict[str, Record]:
    """BKA's record seen by LKA-BW through a grant, and a covert record of BfV."""
    seen = person(make_record, "bka.analyst", "Gesehen")
    grant(seen, "lka-bw.analyst")
    covert = person(make_record, "bfv.analyst", "Verdeckt", **covert_decision("BFV"))
    return {"seen": seen, "covert": covert}


DECISION = {"outcome": "keep", "reasons": KEEP, "review_date": "2030-01-01"}


@pytest.mark.parametrize(
    ("who", "target", "status", "code"),
    [
        (None, "seen", 401, "not_authenticated"),
        ("bfdi.supervisor", "seen", 403, "forbidden"),
        ("lfd-bw.supervisor", "seen", 403, "forbidden"),
        ("lka-bw.analyst", "seen", 403, "not_owner"),
        ("lka-by.analyst", "seen", 404, "not_found"),
        ("lka-bw.analyst", "covert", 404, "not_found"),
        ("bka.analyst", "covert", 404, "not_found"),
        ("lka-bw.analyst", "missing", 404, "not_found"),
        ("lka-bw.analyst", "malformed", 404, "not_found"),
    ],
)
@pytest.mark.parametrize(
    ("suffix", "body"),
    [
        ("review/", DECISION),
        ("blocked-use/", {"ground": "consent", "reasons": "Einwilligung liegt vor."}),
        (
            "justice-decisions/",
            {
                "kind": "acquittal",
                "final": True,
                "reasons": "Freispruch mangels Tatnachweis.",
                "decided_on": "2026-01-05",
            },
        ),
    ],
)
def test_r_h1_permission_matrix_of_the_lifecycle_actions(
    api: Any,
    others: dict[str, Record],
    who: str | None,
    target: str,
    status: int,
    code: str,
    suffix: str,
    body: dict[str, Any],
) -> None:
    if target == "missing":
        address = f"/api/v1/records/{uuid.uuid4()}/{suffix}"
    elif target == "malformed":
        address = f"/api/v1/records/nicht-da/{suffix}"
    else:
        address = url(others[target], suffix)
    stock = Stock()
    items = InboxItem.objects.count()
    response = api(who).post(address, body, format="json")
    if suffix == "blocked-use/" and code == "not_owner":
        # A blocked record is never visible to another agency; an active one it may see is
        # refused as not its own.
        pass
    assert_error(response, status, code)
    stock.assert_unchanged()
    assert InboxItem.objects.count() == items


# ---------------------------------------------------------------- the inbox (R-L4)


def test_r_l4_review_items_render_in_the_inbox_api_with_every_payload_key(
    api: Any, record: Record
) -> None:
    InboxItem.objects.filter(record_id=record.pk, kind="review_due").update(
        payload={
            **open_review(record).payload,  # type: ignore[union-attr]
            "overdue": True,
            "reminded_at": "2026-01-01T10:00:00+00:00",
            "escalated_at": "2026-01-02T10:00:00+00:00",
        }
    )
    response = api("bka.analyst").get("/api/v1/inbox/?kind=review_due")
    assert response.status_code == 200, response.content
    (item,) = response.json()["results"]
    assert item["kind"] == "review_due"
    payload = item["payload"]
    assert payload["record"] == str(record.pk) and payload["file_number"] == record.file_number
    assert payload["review_date"] == record.review_date.isoformat()
    assert payload["deletion_date"] == record.deletion_date.isoformat()
    assert payload["causes"][0]["cause"] == "date" and payload["causes"][0]["at"]
    assert payload["overdue"] is True and payload["escalated_at"]
    # Nobody else's inbox holds it.
    assert api("lka-bw.analyst").get("/api/v1/inbox/?kind=review_due").json()["count"] == 0


# ---------------------------------------------------------------- triggers


def test_r_h2_r_l4_a_correction_notice_opens_a_review_at_once(api: Any, make_record: Any) -> None:
    rec = person(
        make_record, "lka-bw.analyst", "Gemeldet", file="GWS", case_group="", findings_basis=""
    )
    response = api("lka-by.analyst").post(
        url(rec, "correction-notices/"), {"text": "Name falsch geschrieben."}, format="json"
    )
    assert response.status_code == 201, response.content
    review = open_review(rec)
    assert review is not None and review.agency.code == "LKA-BW"
    (cause,) = review.payload["causes"]
    assert cause["cause"] == "correction_notice"
    assert cause["details"] == {"notice": response.json()["id"]}
    assert review.due_at is not None


def test_r_m4_a_reported_justice_decision_opens_a_review_and_deletes_nothing(
    api: Any, make_record: Any
) -> None:
    rec = person(
        make_record,
        "lka-bw.analyst",
        "Freigesprochen",
        file="GWS",
        case_group="",
        findings_basis="",
    )
    body = {
        "kind": "discontinuation",
        "final": True,
        "reasons": "Einstellung nach § 170 Abs. 2 StPO: kein hinreichender Tatverdacht.",
        "decided_on": days(-3),
    }
    response = api("lka-bw.analyst").post(url(rec, "justice-decisions/"), body, format="json")
    assert response.status_code == 201, response.content
    item = response.json()
    assert item["kind"] == "review_due" and item["done_at"] is None
    (cause,) = item["payload"]["causes"]
    assert cause["cause"] == "justice_decision"
    assert cause["details"]["kind"] == "discontinuation" and cause["details"]["final"] is True
    assert cause["details"]["reasons"] == body["reasons"]
    assert cause["details"]["decided_on"] == body["decided_on"]
    # It never deletes by itself.
    assert Record.objects.filter(pk=rec.pk, status="active").exists()
    event = AuditEvent.objects.filter(action="record.review_open", object_id=str(rec.pk)).get()
    assert event.details["cause"] == "justice_decision"
    # In the owner's inbox.
    inbox = api("lka-bw.analyst").get("/api/v1/inbox/?kind=review_due").json()
    assert [i["id"] for i in inbox["results"]] == [item["id"]]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"final": False}, "not_final", "final"),
        ({"final": None}, "required", "final"),
        ({"final": "ja"}, "invalid", "final"),
        ({"kind": "conviction"}, "invalid_choice", "kind"),
        ({"reasons": ""}, "required", "reasons"),
        ({"decided_on": "2999-01-01"}, "invalid_date", "decided_on"),
        ({"decided_on": "gestern"}, "invalid_date", "decided_on"),
        ({"extra": 1}, "unknown_field", "extra"),
    ],
)
def test_r_m4_bad_reports_name_the_field_and_open_nothing(
    api: Any, make_record: Any, change: dict[str, Any], code: str, field: str
) -> None:
    rec = person(make_record, "bka.analyst", "Gemeldet")
    body = {"kind": "acquittal", "final": True, "reasons": "Freispruch.", "decided_on": days(-1)}
    body.update(change)
    stock = Stock()
    response = api("bka.analyst").post(url(rec, "justice-decisions/"), body, format="json")
    assert_error(response, 400, code, field)
    stock.assert_unchanged()
    assert open_review(rec) is None


def test_r_j6_a_supervisors_complaint_lands_in_the_owners_inbox(api: Any, make_record: Any) -> None:
    rec = person(
        make_record, "lka-bw.analyst", "Beanstandet", file="GWS", case_group="", findings_basis=""
    )
    text = "Speicherung ohne hinreichende Tatsachengrundlage."
    response = api("lfd-bw.supervisor").post(
        f"/api/v1/supervision/records/{rec.pk}/complaints/", {"text": text}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["record"] == str(rec.pk) and body["cause"] == "complaint"
    review = open_review(rec)
    assert review is not None and str(review.pk) == body["review"]
    (cause,) = review.payload["causes"]
    assert cause["cause"] == "complaint"
    assert cause["details"] == {
        "text": text,
        "supervisor": "lfd-bw.supervisor",
        "jurisdiction": "BW",
    }
    event = AuditEvent.objects.get(action="record.review_open", object_id=str(rec.pk))
    assert event.officer_username == "lfd-bw.supervisor"
    # A second cause joins the open review.
    justice = api("lka-bw.analyst").post(
        url(rec, "justice-decisions/"),
        {"kind": "acquittal", "final": True, "reasons": "Freispruch.", "decided_on": days(-1)},
        format="json",
    )
    assert justice.status_code == 201
    assert justice.json()["id"] == body["review"]
    assert [c["cause"] for c in open_review(rec).payload["causes"]] == [  # type: ignore[union-attr]
        "complaint",
        "justice_decision",
    ]


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        (None, 401, "not_authenticated"),
        ("lka-bw.analyst", 403, "forbidden"),
        ("lka-bw.head", 403, "forbidden"),
        ("lfd-by.supervisor", 404, "not_found"),
        ("bfdi.supervisor", 404, "not_found"),
    ],
)
def test_r_j6_complaints_only_from_the_competent_supervisor(
    api: Any, make_record: Any, who: str | None, status: int, code: str
) -> None:
    rec = person(
        make_record, "lka-bw.analyst", "Beanstandet", file="GWS", case_group="", findings_basis=""
    )
    stock = Stock()
    response = api(who).post(
        f"/api/v1/supervision/records/{rec.pk}/complaints/", {"text": "Beanstandung"}, format="json"
    )
    assert_error(response, status, code)
    stock.assert_unchanged()
    assert open_review(rec) is None


def test_r_j6_complaint_bad_input_and_unknown_records(api: Any, make_record: Any) -> None:
    rec = person(
        make_record, "lka-bw.analyst", "Beanstandet", file="GWS", case_group="", findings_basis=""
    )
    client = api("lfd-bw.supervisor")
    stock = Stock()
    address = f"/api/v1/supervision/records/{rec.pk}/complaints/"
    assert_error(client.post(address, {}, format="json"), 400, "required", "text")
    assert_error(client.post(address, {"text": 5}, format="json"), 400, "invalid", "text")
    for bad in (uuid.uuid4(), "kaputt"):
        response = client.post(
            f"/api/v1/supervision/records/{bad}/complaints/", {"text": "x"}, format="json"
        )
        assert_error(response, 404, "not_found")
    stock.assert_unchanged()


def test_r_j6_covert_records_and_queried_records_are_within_jurisdiction(
    api: Any, make_record: Any
) -> None:
    # BfV is federal: a covert BfV record is the BfDI's to complain about (R-J6).
    covert = person(make_record, "bfv.analyst", "Verdeckt", **covert_decision("BFV"))
    response = api("bfdi.supervisor").post(
        f"/api/v1/supervision/records/{covert.pk}/complaints/", {"text": "prüfen"}, format="json"
    )
    assert response.status_code == 201, response.content
    # A BKA record queried by LKA-BW is within the LfD BW's reach (R-J6 "or queried").
    queried = person(make_record, "bka.analyst", "Abgefragt")
    address = f"/api/v1/supervision/records/{queried.pk}/complaints/"
    assert_error(
        api("lfd-bw.supervisor").post(address, {"text": "prüfen"}, format="json"), 404, "not_found"
    )
    search(api, "lka-bw.analyst", "Abgefragt")
    assert (
        api("lfd-bw.supervisor").post(address, {"text": "prüfen"}, format="json").status_code == 201
    )


# ---------------------------------------------------------------- missing legal basis (R-M5)


def test_r_m5_records_without_a_legal_basis_get_a_review_once(api: Any, make_record: Any) -> None:
    gws = File.objects.get(code="GWS")
    first = person(
        make_record, "lka-bw.analyst", "Ohnegrund", file="GWS", case_group="", findings_basis=""
    )
    second = person(
        make_record, "lka-by.analyst", "Ohnegrund", file="GWS", case_group="", findings_basis=""
    )
    atd = person(make_record, "bka.analyst", "Atd")
    assert legal_basis_reviews_open(gws) == 0  # the ordinance is in force
    # The ordinance (BKADV) counted from a day still to come: no basis today (R-M5).
    LegalBasis.objects.filter(pk=gws.legal_basis_id).update(
        in_force_from=today() + datetime.timedelta(days=1)
    )
    gws.refresh_from_db()
    assert legal_basis_reviews_open(gws) == 2
    for rec in (first, second):
        review = open_review(rec)
        assert review is not None
        assert [c["cause"] for c in review.payload["causes"]] == ["no_legal_basis"]
    assert open_review(atd) is None
    # Daily again: the open reviews are not opened twice.
    assert legal_basis_reviews_open(gws) == 2
    assert InboxItem.objects.filter(kind="review_due").count() == 2
    assert all(len(i.payload["causes"]) == 1 for i in InboxItem.objects.filter(kind="review_due"))
    assert Record.objects.filter(pk__in=[first.pk, second.pk], status="active").count() == 2


def test_r_m5_a_participation_without_a_legal_basis_reviews_that_agencys_records_only(
    make_record: Any,
) -> None:
    gws = File.objects.get(code="GWS")
    bw = person(
        make_record, "lka-bw.analyst", "Teilnahme", file="GWS", case_group="", findings_basis=""
    )
    by = person(
        make_record, "lka-by.analyst", "Teilnahme", file="GWS", case_group="", findings_basis=""
    )
    order_only = LegalBasis.objects.create(
        kind=LegalBasisKind.ESTABLISHMENT_ORDER,
        citation="Errichtungsanordnung allein",
        in_force_from=datetime.date(2000, 1, 1),
    )
    Participation.objects.filter(file=gws, agency=Agency.objects.get(code="LKA-BW")).update(
        legal_basis=order_only
    )
    assert legal_basis_reviews_open(gws) == 1
    assert open_review(bw) is not None and open_review(by) is None


def test_r_l4_the_owner_lists_a_records_reviews_and_the_reading_is_logged(
    api: Any, record: Record, others: dict[str, Record]
) -> None:
    owner = api("bka.analyst")
    decided = decide(api, "bka.analyst", record, outcome="keep", reasons=KEEP, review_date=days(20))
    assert decided.status_code == 200
    review_open(record=record, cause=ReviewCause.HANDLING)
    response = owner.get(url(record, "reviews/"))
    assert response.status_code == 200, response.content
    listed = response.json()
    assert len(listed) == 2
    assert listed[0]["done_at"] is None and listed[1]["payload"]["outcome"] == "keep"
    event = AuditEvent.objects.filter(action="record.reviews_view").get()
    assert event.details["items"] == [i["id"] for i in listed]
    # Others: 403 where they may see the record, 404 otherwise.
    seen = others["seen"]
    assert_error(api("lka-bw.analyst").get(url(seen, "reviews/")), 403, "not_owner")
    assert_error(api("lka-by.analyst").get(url(seen, "reviews/")), 404, "not_found")
    assert_error(api("bka.analyst").get(url(others["covert"], "reviews/")), 404, "not_found")
    assert_error(api("bfdi.supervisor").get(url(seen, "reviews/")), 403, "forbidden")
    assert_error(api().get(url(seen, "reviews/")), 401, "not_authenticated")


def test_r_l1_corrected_with_changes_applies_the_correction_in_the_same_step(
    api: Any, record: Record
) -> None:
    response = decide(
        api,
        "bka.analyst",
        record,
        outcome="corrected",
        reasons="Geburtsdatum berichtigt.",
        review_date=days(60),
        changes={"basic": {"date_of_birth": "1984-02-05"}},
    )
    assert response.status_code == 200, response.content
    fresh = Record.objects.get(pk=record.pk)
    assert fresh.basic["date_of_birth"] == "1984-02-05"
    assert fresh.review_date.isoformat() == days(60) and fresh.version == 2
    assert response["ETag"] == '"2"'
    actions = list(
        AuditEvent.objects.filter(object_id=str(record.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["record.update", "record.review_decide"]
    decision = AuditEvent.objects.get(action="record.review_decide")
    assert decision.details["changes"] == ["basic"]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (
            {"outcome": "keep", "changes": {"basic": {"surname": "Neu"}}},
            400,
            "changes_not_allowed",
            "changes",
        ),
        (
            {"outcome": "corrected", "changes": {"basic": {"sex": "q"}}},
            400,
            "invalid_choice",
            "changes.basic.sex",
        ),
        ({"outcome": "corrected", "changes": {"file": "GWS"}}, 400, "immutable", "changes.file"),
        ({"outcome": "corrected", "changes": "alles"}, 400, "invalid", "changes"),
    ],
)
def test_r_l1_bad_changes_name_the_field_and_change_nothing(
    api: Any, record: Record, body: dict[str, Any], status: int, code: str, field: str
) -> None:
    before = _stock_with_review(record)
    full = {"reasons": "berichtigt", "review_date": days(30), **body}
    response = api("bka.analyst").post(url(record, "review/"), full, format="json")
    assert_error(response, status, code, field)
    _assert_same(record, before)
    assert Record.objects.get(pk=record.pk).basic == record.basic
