"""Deletion removes the data and what hangs on it, keeps the log and the decisions (R-L2,
R-L5, R-H1); a record due for deletion leaves other agencies' answers before the sweep."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from agencies.models import Officer
from audit.models import AuditEvent
from tests.verbund.lifecycle.review_support import (
    GONE_FOR_OTHERS,
    due_for_deletion,
    others_answers,
    person,
    search,
    shared_record,
    today,
    url,
)
from tests.verbund.records.support import Stock, assert_error
from tests.verbund.transfers.support import covert_decision, eilfall
from verbund.models import (
    AccessRequest,
    CovertHit,
    EmergencyAccess,
    FeatureValue,
    InboxItem,
    NameKey,
    Record,
    RecordGroupObjectPermission,
    Transfer,
)
from verbund.models.emergencies import Consent
from verbund.models.searches import Hit
from verbund.services.searches import covert_hits_deliver


def _page(username: str, path: str) -> int:
    client = Client()
    client.force_login(Officer.objects.get(username=username))
    return client.get(path).status_code


def test_r_l5_deletion_removes_the_data_and_keeps_log_and_decisions(
    api: Any, make_record: Any
) -> None:
    shared = shared_record(api, make_record, "Löschling")
    record = shared["record"]
    owner = api("bka.analyst")
    # A pending request of LKA-BY, an Eilfall of LKA-SN with consent, a transfer by the
    # owner, a correction notice (with the review it opens).
    pending = api("lka-by.analyst").post(
        "/api/v1/access-requests/",
        {"hit": shared["other_hit"], "justification": "Abgleich im Verfahren."},
        format="json",
    )
    assert pending.status_code == 201, pending.content
    emergency = eilfall(record, "lka-sn.analyst", consent=Consent.GRANTED)
    sent = owner.post(
        "/api/v1/transfers/",
        {
            "record": str(record.pk),
            "recipient": {"agency": "LKA-BY"},
            "provision": "§ 25 Abs. 1 BKAG",
            "purpose": "Gefahrenabwehr.",
            "items": ["basic", "reference"],
        },
        format="json",
    )
    assert sent.status_code == 201, sent.content
    notice = api("lka-bw.analyst").post(
        url(record, "correction-notices/"), {"text": "Beruf veraltet."}, format="json"
    )
    assert notice.status_code == 201
    assert owner.get(url(record)).status_code == 200
    assert NameKey.objects.filter(record=record).exists()
    assert FeatureValue.objects.filter(record=record).exists()
    assert RecordGroupObjectPermission.objects.filter(content_object=record).exists()
    kinds = set(InboxItem.objects.filter(record=record).values_list("kind", flat=True))
    assert {"review_due", "correction_notice", "access_request"} <= kinds
    logged_before = set(
        AuditEvent.objects.filter(object_id=str(record.pk)).values_list("pk", flat=True)
    )
    assert {"record.create", "record.view"} <= set(
        AuditEvent.objects.filter(pk__in=logged_before).values_list("action", flat=True)
    )
    hit_ids = [shared["hit"], shared["other_hit"]]

    response = owner.delete(f"{url(record)}?ground=unlawful&reason=Speicherung+unzulässig")
    assert response.status_code == 204, response.content

    # Gone: the record, its keys, hits, pending request, inbox items, permission rows.
    assert not Record.objects.filter(pk=record.pk).exists()
    assert not NameKey.objects.filter(record_id=record.pk).exists()
    assert not FeatureValue.objects.filter(record_id=record.pk).exists()
    assert not Hit.objects.filter(record_id=record.pk).exists()
    assert not AccessRequest.objects.filter(pk=pending.json()["id"]).exists()
    assert not InboxItem.objects.filter(record_id=record.pk).exists()
    assert (
        not InboxItem.objects.filter(payload__record=str(record.pk))
        .exclude(kind__in=["access_decision", "correction_outcome"])
        .exists()
    )
    assert not RecordGroupObjectPermission.objects.filter(content_object_id=record.pk).exists()
    # Every hit endpoint answers 404 for its hit ids.
    for hit in hit_ids:
        for who in ("lka-bw.analyst", "lka-by.analyst"):
            assert_error(
                api(who).post(
                    "/api/v1/access-requests/",
                    {"hit": hit, "justification": "x"},
                    format="json",
                ),
                404,
                "not_found",
            )
            assert_error(
                api(who).post(
                    "/api/v1/emergency-accesses/",
                    {
                        "hit": hit,
                        "danger": "life",
                        "facts": "x",
                        "why_no_request": "y",
                        "decided_by": who.split(".")[0] + ".head",
                    },
                    format="json",
                ),
                404,
                "not_found",
            )
            for page in (
                f"/treffer/{hit}/hinweis/",
                f"/treffer/{hit}/eilfall/",
                f"/ersuchen/neu/{hit}/",
            ):
                assert _page(who, page) == 404, page
    # Stored searches no longer show its data.
    stored = api("lka-bw.analyst").get(f"/api/v1/searches/{shared['search']}/").json()
    assert stored["hit_count"] == 0 and stored["hits"] == []
    # Kept: every log row, the decisions (grant, Eilfall and consent, transfer).
    assert logged_before <= set(
        AuditEvent.objects.filter(object_id=str(record.pk)).values_list("pk", flat=True)
    )
    granted = AccessRequest.objects.get(pk=shared["request"])
    assert granted.status == "granted" and granted.record_id is None
    assert granted.file_number == record.file_number
    kept = EmergencyAccess.objects.get(pk=emergency.pk)
    assert kept.record_id is None and kept.consent == Consent.GRANTED
    transfer = Transfer.objects.get(pk=sent.json()["id"])
    assert transfer.record_id is None and transfer.file_number == record.file_number
    # The tombstone names record, owner, file, day and legal reason.
    event = AuditEvent.objects.get(action="record.delete", object_id=str(record.pk))
    assert event.details["tombstone"] == {
        "record": str(record.pk),
        "owner": "BKA",
        "file": "ATD",
        "deleted_on": today().isoformat(),
        "ground": "unlawful",
    }
    assert event.details["reason"] == "Speicherung unzulässig"
    assert event.officer_username == "bka.analyst"
    assert_error(owner.get(url(record)), 404, "not_found")


def test_r_l5_deleting_a_covert_record_removes_the_covert_hit_query_data(
    api: Any, make_record: Any
) -> None:
    record = person(make_record, "bfv.analyst", "Verdeckt", **covert_decision("BFV"))
    answer = search(api, "lka-sn.analyst", "Verdeckt")
    assert answer["hits"] == []
    assert covert_hits_deliver(search_id=answer["id"]) == 1
    assert CovertHit.objects.filter(record=record).count() == 1
    assert InboxItem.objects.filter(kind="covert_hit", record=record).count() == 1
    response = api("bfv.analyst").delete(url(record), {"ground": "not_necessary"}, format="json")
    assert response.status_code == 204, response.content
    assert not CovertHit.objects.filter(record_id=record.pk).exists()
    assert not InboxItem.objects.filter(kind="covert_hit").exists()
    event = AuditEvent.objects.get(action="record.delete")
    assert event.details["tombstone"]["ground"] == "not_necessary"
    assert [c["record"] for c in event.covert] == [str(record.pk)]


def test_r_l2_the_ground_of_a_delete_is_checked(api: Any, make_record: Any) -> None:
    record = person(make_record, "bka.analyst", "Grundlos")
    stock = Stock()
    owner = api("bka.analyst")
    assert_error(owner.delete(f"{url(record)}?ground=laune"), 400, "invalid_choice", "ground")
    assert_error(
        owner.delete(url(record), {"ground": "laune"}, format="json"),
        400,
        "invalid_choice",
        "ground",
    )
    assert_error(owner.delete(url(record), {"ground": 3}, format="json"), 400, "invalid", "ground")
    assert_error(
        owner.delete(url(record), {"why": "x"}, format="json"), 400, "unknown_field", "why"
    )
    stock.assert_unchanged()
    assert owner.delete(url(record)).status_code == 204
    event = AuditEvent.objects.get(action="record.delete")
    assert event.details["tombstone"]["ground"] == "not_necessary"


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        (None, 401, "not_authenticated"),
        ("bfdi.supervisor", 403, "forbidden"),
        ("lka-bw.analyst", 403, "not_owner"),
        ("lka-by.analyst", 404, "not_found"),
        ("bka.head", 204, ""),
    ],
)
def test_r_h1_only_the_owner_deletes_and_a_refusal_changes_nothing(
    api: Any, make_record: Any, who: str | None, status: int, code: str
) -> None:
    shared = shared_record(api, make_record, "Geschützt")
    record = shared["record"]
    stock = Stock()
    response = api(who).delete(url(record))
    if status == 204:
        assert response.status_code == 204
        return
    assert_error(response, status, code)
    stock.assert_unchanged()
    assert Record.objects.filter(pk=record.pk, version=record.version).exists()
    assert Hit.objects.filter(record=record).count() == 2


def test_r_l2_a_record_due_for_deletion_leaves_every_answer_before_the_sweep(
    api: Any, make_record: Any
) -> None:
    shared = shared_record(api, make_record, "Fristablauf")
    before = others_answers(api, shared)
    assert before["get"] == 200 and before["search"] == 1
    due_for_deletion(shared["record"])
    assert others_answers(api, shared) == GONE_FOR_OTHERS
    # The owner still sees it, to review, block or delete it.
    assert api("bka.analyst").get(url(shared["record"])).status_code == 200
    assert len(search(api, "bka.analyst", "Fristablauf")["hits"]) == 1


def test_r_l2_a_record_due_tomorrow_is_still_shown(api: Any, make_record: Any) -> None:
    shared = shared_record(api, make_record, "Morgenfrist")
    Record.objects.filter(pk=shared["record"].pk).update(
        deletion_date=today() + datetime.timedelta(days=1), review_date=today()
    )
    answers = others_answers(api, shared)
    assert answers["get"] == 200 and answers["search"] == 1 and answers["stored_search"] == 1


def test_r_l2_a_covert_record_due_for_deletion_sets_off_no_contact_duty(
    api: Any, make_record: Any
) -> None:
    record = person(make_record, "bfv.analyst", "Verdecktfrist", **covert_decision("BFV"))
    due_for_deletion(record)
    answer = search(api, "lka-sn.analyst", "Verdecktfrist")
    assert covert_hits_deliver(search_id=answer["id"]) == 0
    assert not CovertHit.objects.exists()
