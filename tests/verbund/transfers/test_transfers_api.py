"""Transfers of findings are recorded by the sender; markings travel (R-F3, R-C7, R-C8)."""

from __future__ import annotations

from typing import Any

import pytest

from agencies.models import Officer
from audit.models import AuditEvent
from tests.verbund.records.support import assert_error
from tests.verbund.transfers.support import URL, body, covert_decision, eilfall, grant
from verbund.models import InboxItem, Transfer
from verbund.models.emergencies import Consent
from verbund.models.requests import RequestKind
from verbund.services.records import record_block, record_delete


class Nothing:
    """Counts of transfers, inbox items and audit rows: a refusal stores none of them."""

    def __init__(self) -> None:
        self.counts = self._counts()

    @staticmethod
    def _counts() -> tuple[int, int, int]:
        return Transfer.objects.count(), InboxItem.objects.count(), AuditEvent.objects.count()

    def assert_unchanged(self) -> None:
        assert self._counts() == self.counts, "a refused transfer stored something"


@pytest.fixture
def marked(make_record: Any) -> Any:
    """An open ATD person of the BKA marked as required by other law, with extended data."""
    return make_record(
        "bka.analyst",
        markings=["other_law"],
        basic={"surname": "Übermittelt", "given_names": "Otto", "date_of_birth": "1980-01-01"},
        extended={"phones": ["+49 611 55501"], "profession": "Chemiker"},
    )


@pytest.fixture
def art10(make_record: Any) -> Any:
    """A BfV record from a telecommunications measure (Art. 10 GG): covert (R-C8)."""
    return make_record(
        "bfv.analyst",
        markings=["art10"],
        basic={"surname": "Zehnerfeld", "given_names": "Anna", "date_of_birth": "1979-09-09"},
        extended={"phones": ["+49 221 101010"]},
        **covert_decision("BFV"),
    )


def test_r_f3_owner_transfers_on_own_initiative(marked: Any, api: Any) -> None:
    response = api("bka.analyst").post(URL, body(marked), format="json")
    assert response.status_code == 201, response.content
    sent = response.json()
    assert sent["record"] == str(marked.pk)
    assert sent["sender"] == "BKA" and sent["recipient"] == {"agency": "LKA-BY"}
    assert sent["basis"] == "own_initiative"
    assert sent["access_request"] is None and sent["emergency_access"] is None
    assert sent["items"] == ["reference", "basic"]
    assert sent["markings"] == ["other_law"]
    assert sent["provision"] == "§ 25 Abs. 1 BKAG" and sent["task"] == ""
    assert sent["file"] == "ATD" and sent["file_number"] == marked.file_number

    # The recipient's inbox: what was received, the markings, no record data.
    inbox = api("lka-by.analyst").get("/api/v1/inbox/?kind=transfer_received")
    assert inbox.status_code == 200, inbox.content
    [item] = inbox.json()["results"]
    assert item["subject_id"] == sent["id"]
    assert item["payload"] == {
        "transfer": sent["id"],
        "sender": "BKA",
        "file_number": marked.file_number,
        "items": ["reference", "basic"],
        "markings": ["other_law"],
        "provision": "§ 25 Abs. 1 BKAG",
        "purpose": sent["purpose"],
    }
    assert "Übermittelt" not in str(item) and str(marked.pk) not in str(item["payload"])

    event = AuditEvent.objects.get(action="transfer.create")
    assert event.object_id == sent["id"] and event.officer_username == "bka.analyst"
    assert event.references[0]["record"] == str(marked.pk)
    assert event.details["recipient"] == "LKA-BY"
    assert event.details["markings"] == ["other_law"]
    assert event.covert == []
    # The supervisor reads the row through the audit API.
    events = api("bfdi.supervisor").get("/api/v1/audit/events/")
    assert events.status_code == 200, events.content
    [shown] = [e for e in events.json()["results"] if e["action"] == "transfer.create"]
    assert shown["references"][0]["transfer"] == sent["id"]


def test_r_c7_recipient_sees_the_markings_of_what_it_received(marked: Any, api: Any) -> None:
    sent = api("bka.analyst").post(URL, body(marked), format="json").json()
    recipient = api("lka-by.analyst")
    shown = recipient.get(f"{URL}{sent['id']}/")
    assert shown.status_code == 200, shown.content
    received = shown.json()
    assert received["markings"] == ["other_law"]
    # The recipient holds the findings, not the record, and not the sender's task.
    assert "record" not in received and "task" not in received
    listed = recipient.get(f"{URL}?direction=received").json()
    assert [t["id"] for t in listed["results"]] == [sent["id"]]
    assert listed["results"][0]["markings"] == ["other_law"]
    assert recipient.get(f"{URL}?direction=sent").json()["count"] == 0
    assert api("bka.analyst").get(f"{URL}?direction=sent").json()["count"] == 1
    assert AuditEvent.objects.filter(action="transfer.view", officer_username="lka-by.analyst")
    assert api("bfdi.supervisor").get("/api/v1/audit/events/").status_code == 200
    # After the record's deletion the record of the transfer stays (R-L5).
    record_delete(
        actor=Officer.objects.get(username="bka.analyst"),
        record_id=marked.pk,
        reason="Speicherfrist abgelaufen.",
    )
    again = recipient.get(f"{URL}{sent['id']}/")
    assert again.status_code == 200 and again.json()["markings"] == ["other_law"]
    assert api("bka.analyst").get(f"{URL}{sent['id']}/").json()["record"] is None


@pytest.mark.parametrize("markings", [[], ["use_check_only"]])
def test_r_c7_a_dropped_marking_is_400_and_nothing_is_stored(
    marked: Any, api: Any, markings: list[str]
) -> None:
    nothing = Nothing()
    response = api("bka.analyst").post(URL, body(marked, markings=markings), format="json")
    assert_error(response, 400, "marking_dropped", "markings")
    nothing.assert_unchanged()


def test_r_c7_known_markings_may_be_added_unknown_ones_not(marked: Any, api: Any) -> None:
    client = api("bka.analyst")
    unknown = client.post(URL, body(marked, markings=["other_law", "geheim"]), format="json")
    assert_error(unknown, 400, "invalid_choice", "markings")
    # R-C8: data not stored as Art. 10 / Art. 13 / IT-system data cannot be marked as such.
    nothing = Nothing()
    covert_only = client.post(URL, body(marked, markings=["other_law", "art10"]), format="json")
    assert_error(covert_only, 400, "covert_required", "markings")
    nothing.assert_unchanged()
    added = client.post(URL, body(marked, markings=["use_check_only", "other_law"]), format="json")
    assert added.status_code == 201, added.content
    assert added.json()["markings"] == ["other_law", "use_check_only"]


def test_r_c7_use_markings_of_a_grant_travel_when_the_requester_transfers_further(
    marked: Any, api: Any
) -> None:
    grant(marked, "lka-bw.analyst", use_markings=["use_check_only"])
    client = api("lka-bw.analyst")
    # R-F2: a release of the extended data is for checking the match and preparing a
    # request only; passing it on needs the owner's consent to a further use.
    nothing = Nothing()
    assert_error(client.post(URL, body(marked), format="json"), 403, "use_limited", "record")
    nothing.assert_unchanged()
    request = grant(marked, "lka-bw.analyst", kind=RequestKind.FURTHER_USE)
    dropped = client.post(URL, body(marked, markings=["other_law"]), format="json")
    assert_error(dropped, 400, "marking_dropped", "markings")
    response = client.post(URL, body(marked), format="json")
    assert response.status_code == 201, response.content
    sent = response.json()
    assert sent["basis"] == "grant" and sent["access_request"] == str(request.pk)
    assert sent["markings"] == ["other_law", "use_check_only", "use_further_use"]
    item = InboxItem.objects.get(kind="transfer_received", subject_id=sent["id"])
    assert item.agency.code == "LKA-BY" and item.payload["sender"] == "LKA-BW"
    assert item.payload["markings"] == ["other_law", "use_check_only", "use_further_use"]


def test_r_f3_owner_transfer_to_a_requester_with_a_grant_links_the_grant(
    marked: Any, api: Any
) -> None:
    request = grant(marked, "lka-by.analyst")
    response = api("bka.analyst").post(URL, body(marked), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["basis"] == "grant"
    assert response.json()["access_request"] == str(request.pk)
    # The owner's own transfer carries the record's markings, no use markings of its own.
    assert response.json()["markings"] == ["other_law"]


def test_r_g3_eilfall_data_are_passed_on_only_after_consent(marked: Any, api: Any) -> None:
    access = eilfall(marked, "lka-bw.analyst")
    client = api("lka-bw.analyst")
    nothing = Nothing()
    assert_error(client.post(URL, body(marked), format="json"), 409, "consent_pending")
    nothing.assert_unchanged()
    access.consent = Consent.GRANTED
    access.save(update_fields=["consent"])
    response = client.post(URL, body(marked), format="json")
    assert response.status_code == 201, response.content
    sent = response.json()
    assert sent["basis"] == "eilfall" and sent["emergency_access"] == str(access.pk)
    assert sent["markings"] == ["other_law", "use_eilfall"]


def test_r_c8_covert_measure_data_reach_others_only_by_the_owners_transfer_with_a_task(
    art10: Any, api: Any, run_search: Any
) -> None:
    # Another agency's name search never gives a hit: no hit id, no request, no Eilfall.
    search = run_search("lka-sn.analyst", {"surname": "Zehnerfeld"})
    assert search.status_code == 201 and search.json()["hit_count"] == 0
    assert_error(api("lka-sn.analyst").post(URL, body(art10), format="json"), 404, "not_found")

    owner = api("bfv.analyst")
    nothing = Nothing()
    for task in (None, "", "   "):
        refused = owner.post(URL, body(art10, task=task), format="json")
        assert_error(refused, 400, "task_required", "task")
    nothing.assert_unchanged()

    task = "Abwehr einer dringenden Gefahr für den Bestand des Bundes (§ 3 G 10)"
    response = owner.post(URL, body(art10, task=task), format="json")
    assert response.status_code == 201, response.content
    sent = response.json()
    assert sent["task"] == task and sent["markings"] == ["art10"]
    # The log records the task — in the owner/supervisor-only column of covert records.
    event = AuditEvent.objects.get(action="transfer.create")
    assert event.references == [] and event.object_id == "" and event.details == {}
    [ref] = event.covert
    assert ref["record"] == str(art10.pk) and ref["art10"] is True
    assert ref["transfer"] == sent["id"]
    assert ref["transfer_details"]["task"] == task
    assert ref["transfer_details"]["markings"] == ["art10"]
    assert ref["transfer_details"]["recipient"] == "LKA-BY"
    # The competent supervisor reads it through the audit API (serialised, not dropped).
    events = api("bfdi.supervisor").get("/api/v1/audit/events/").json()["results"]
    [shown] = [e for e in events if e["action"] == "transfer.create"]
    assert shown["covert"][0]["transfer_details"]["task"] == task
    assert shown["references"] == [] and shown["details"] == {}
    # The recipient keeps the marking.
    received = api("lka-by.analyst").get(f"{URL}{sent['id']}/").json()
    assert received["markings"] == ["art10"] and "task" not in received


def test_r_d2_withheld_field_cannot_be_a_transferred_item(make_record: Any, api: Any) -> None:
    record = make_record(
        "bka.analyst",
        storage="restricted",
        storage_decision={"decided_by": "bka.head", "reasons": "Quellenschutz."},
        withheld=["phones", "religion"],
        extended={"profession": "Ingenieur"},
    )
    client = api("bka.analyst")
    nothing = Nothing()
    for items in (["phones"], ["basic", "religion"], ["object"], ["surname"]):
        refused = client.post(URL, body(record, items=items), format="json")
        assert_error(refused, 400, "unknown_item", "items")
    nothing.assert_unchanged()
    response = client.post(URL, body(record, items=["profession", "basic"]), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["items"] == ["basic", "profession"]


def test_r_f3_agency_without_access_gets_404(marked: Any, api: Any) -> None:
    nothing = Nothing()
    for username in ("lka-sn.analyst", "bfv.head"):
        response = api(username).post(URL, body(marked), format="json")
        assert_error(response, 404, "not_found")
    for invented in ("00000000-0000-0000-0000-000000000000", "x"):
        data = {**body(marked), "record": invented}
        assert_error(api("bka.analyst").post(URL, data, format="json"), 404, "not_found")
    nothing.assert_unchanged()


def test_r_l3_blocked_record_is_not_transferred(marked: Any, api: Any) -> None:
    record_block(
        actor=Officer.objects.get(username="bka.analyst"),
        record_id=marked.pk,
        reason="Schutzwürdige Interessen des Betroffenen.",
    )
    nothing = Nothing()
    assert_error(api("bka.analyst").post(URL, body(marked), format="json"), 409, "record_blocked")
    nothing.assert_unchanged()


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"provision": None}, "required", "provision"),
        ({"provision": "  "}, "required", "provision"),
        ({"provision": 42}, "invalid", "provision"),
        ({"provision": "x" * 201}, "too_long", "provision"),
        ({"purpose": None}, "required", "purpose"),
        ({"purpose": "a\x00b"}, "invalid_characters", "purpose"),
        ({"items": None}, "required", "items"),
        ({"items": []}, "required", "items"),
        ({"items": "basic"}, "invalid", "items"),
        ({"recipient": None}, "required", "recipient"),
        ({"recipient": {}}, "required", "recipient"),
        ({"recipient": "LKA-BY"}, "invalid", "recipient"),
        ({"recipient": {"agency": "LKA-XX"}}, "unknown_agency", "recipient.agency"),
        ({"recipient": {"agency": "BKA"}}, "invalid", "recipient.agency"),
        ({"recipient": {"partner": "fbi"}}, "unknown_partner", "recipient.partner"),
        ({"recipient": {"agency": "LKA-BY", "partner": "fbi"}}, "invalid", "recipient"),
        ({"recipient": {"agency": "LKA-BY", "body": "GBA"}}, "unknown_field", "recipient.body"),
        ({"basis": "grant"}, "unknown_field", "basis"),
        ({"record": None}, "required", "record"),
        ({"task": 7}, "invalid", "task"),
    ],
)
def test_r_f3_bad_input_is_400_naming_the_field_and_stores_nothing(
    marked: Any, api: Any, overrides: dict[str, Any], code: str, field: str
) -> None:
    data = body(marked)
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None}
    nothing = Nothing()
    response = api("bka.analyst").post(URL, data, format="json")
    assert_error(response, 400, code, field)
    nothing.assert_unchanged()


def test_r_f3_recipient_must_take_part_in_the_file(make_record: Any, api: Any) -> None:
    record = make_record("lka-bw.analyst", file="GWS", case_group="", findings_basis="")
    response = api("lka-bw.analyst").post(
        URL, body(record, recipient={"agency": "BFV"}), format="json"
    )
    assert_error(response, 400, "not_participant", "recipient.agency")
    ok = api("lka-bw.analyst").post(URL, body(record), format="json")
    assert ok.status_code == 201, ok.content


def test_r_f3_permission_matrix(marked: Any, api: Any) -> None:
    sent = api("bka.analyst").post(URL, body(marked), format="json").json()
    detail = f"{URL}{sent['id']}/"
    anonymous = api(None)
    assert_error(anonymous.get(URL), 401, "not_authenticated")
    assert_error(anonymous.get(detail), 401, "not_authenticated")
    assert_error(anonymous.post(URL, body(marked), format="json"), 401, "not_authenticated")
    supervisor = api("bfdi.supervisor")
    assert_error(supervisor.get(URL), 403, "forbidden")
    assert_error(supervisor.get(detail), 403, "forbidden")
    assert_error(supervisor.post(URL, body(marked), format="json"), 403, "forbidden")
    # A third agency: the same 404 as an invented id; its lists are empty.
    third = api("lka-sn.analyst")
    assert_error(third.get(detail), 404, "not_found")
    assert_error(third.get(f"{URL}00000000-0000-0000-0000-000000000000/"), 404, "not_found")
    assert third.get(URL).json()["count"] == 0
    assert api("bka.head").get(detail).status_code == 200
    assert api("lka-by.head").get(detail).status_code == 200
    assert_error(third.get(f"{URL}?direction=both"), 400, "invalid_choice", "direction")


def test_r_m7_gws_participant_that_retrieves_directly_transfers_under_its_own_law(
    make_record: Any, api: Any
) -> None:
    record = make_record("lka-bw.analyst", file="GWS", case_group="", findings_basis="")
    response = api("lka-by.analyst").post(
        URL, body(record, recipient={"agency": "LKA-SN"}), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["basis"] == "own_initiative"
    assert response.json()["sender"] == "LKA-BY"


def test_r_g3_after_a_refused_consent_the_data_cannot_be_passed_on(marked: Any, api: Any) -> None:
    eilfall(marked, "lka-bw.analyst", consent=Consent.REFUSED)
    nothing = Nothing()
    response = api("lka-bw.analyst").post(URL, body(marked), format="json")
    assert_error(response, 404, "not_found")
    nothing.assert_unchanged()


def test_r_i5_recipient_inbox_log_of_a_covert_records_transfer_names_no_record(
    art10: Any, api: Any
) -> None:
    sent = (
        api("bfv.analyst")
        .post(URL, body(art10, task="Abwehr eines Anschlags"), format="json")
        .json()
    )
    inbox = api("lka-by.analyst").get("/api/v1/inbox/")
    assert inbox.status_code == 200 and inbox.json()["count"] == 1
    event = AuditEvent.objects.filter(action="inbox.view").latest("seq")
    assert str(art10.pk) not in str(event.references)
    received = api("lka-by.analyst").get(f"{URL}{sent['id']}/")
    assert received.status_code == 200
    view = AuditEvent.objects.get(action="transfer.view")
    assert view.references == [] and view.covert[0]["record"] == str(art10.pk)
    assert view.object_id == ""


def test_r_f3_transfer_query_budget(
    marked: Any, api: Any, django_assert_max_num_queries: Any
) -> None:
    client = api("bka.analyst")
    client.get("/api/v1/me/")  # warm the token
    # Architecture rule 9: a query budget (18 measured: auth, access, rules, writes, log).
    with django_assert_max_num_queries(22):
        response = client.post(URL, body(marked), format="json")
    assert response.status_code == 201, response.content


def test_r_a1_gws_order_limits_to_whom_its_data_may_be_transferred(
    make_record: Any, api: Any
) -> None:
    from verbund.access.records import current_order
    from verbund.models import File

    record = make_record("lka-bw.analyst", file="GWS", case_group="", findings_basis="")
    order = current_order(File.objects.get(code="GWS"))
    assert order is not None and "LKA-SN" in order.transfer_recipients
    order.transfer_recipients = [c for c in order.transfer_recipients if c != "LKA-SN"]
    order.save(update_fields=["transfer_recipients"])
    nothing = Nothing()
    response = api("lka-by.analyst").post(
        URL, body(record, recipient={"agency": "LKA-SN"}), format="json"
    )
    assert_error(response, 422, "recipient_not_permitted", "recipient.agency")
    nothing.assert_unchanged()
    allowed = api("lka-by.analyst").post(
        URL, body(record, recipient={"agency": "LKA-HE"}), format="json"
    )
    assert allowed.status_code == 201, allowed.content
