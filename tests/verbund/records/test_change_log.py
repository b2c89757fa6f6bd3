"""Changes to records are logged completely in the append-only, chained log (R-I1)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AppendOnlyError, AuditEvent
from audit.services import verify_chain
from tests.conftest import person_payload
from verbund.models import Record

RECORDS = "/api/v1/records/"


def events_since(seq: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq"))


def head() -> int:
    event = AuditEvent.objects.order_by("-seq").first()
    return event.seq if event else 0


def test_r_i1_create_writes_one_change_row_with_the_after_state(api: Any) -> None:
    start = head()
    response = api("bka.analyst").post(
        RECORDS, person_payload(extended={"phones": ["+49 30 123"]}), format="json"
    )
    assert response.status_code == 201
    [event] = events_since(start)
    assert event.action == "record.create"
    assert event.object_id == response.json()["id"]
    after = event.details["after"]
    assert after["basic"]["surname"] == "Al-Masri"
    assert after["extended"] == {"phones": ["+49 30 123"]}
    assert after["storage"] == "open"
    assert "before" not in event.details


def test_r_i1_update_writes_one_change_row_with_before_and_after(
    api: Any, make_record: Any
) -> None:
    record = make_record()
    start = head()
    response = api("bka.analyst").patch(
        f"{RECORDS}{record.pk}/", {"findings_basis": "neue Erkenntnisse"}, format="json"
    )
    assert response.status_code == 200
    [event] = events_since(start)
    assert event.action == "record.update"
    assert event.details["before"]["findings_basis"] == record.findings_basis
    assert event.details["after"]["findings_basis"] == "neue Erkenntnisse"
    assert event.details["before"]["basic"] == event.details["after"]["basic"]


def test_r_i1_block_writes_one_change_row_with_before_after_and_reason(
    api: Any, make_record: Any
) -> None:
    record = make_record()
    start = head()
    response = api("bka.analyst").post(
        f"{RECORDS}{record.pk}/block/",
        {"reason": "Löschung schadet dem Betroffenen"},
        format="json",
    )
    assert response.status_code == 200
    [event] = events_since(start)
    assert event.action == "record.block"
    assert event.details["reason"] == "Löschung schadet dem Betroffenen"
    assert event.details["before"]["status"] == "active"
    assert event.details["after"]["status"] == "blocked"


def test_r_i1_delete_writes_one_change_row_with_the_before_state(
    api: Any, make_record: Any
) -> None:
    record = make_record()
    start = head()
    response = api("bka.analyst").delete(f"{RECORDS}{record.pk}/?reason=unrichtig")
    assert response.status_code == 204
    [event] = events_since(start)
    assert event.action == "record.delete"
    assert event.object_id == str(record.pk)
    assert event.details["before"]["file_number"] == record.file_number
    assert event.details["reason"] == "unrichtig"
    # The log outlives the record (R-L5).
    assert not Record.objects.filter(pk=record.pk).exists()
    assert AuditEvent.objects.filter(object_id=str(record.pk), action="record.create").exists()


def test_r_i1_deleting_a_person_logs_each_linked_object_deleted_with_it(
    api: Any, make_record: Any
) -> None:
    client = api("bka.analyst")
    person = make_record()
    obj = client.post(
        RECORDS,
        {
            "file": "ATD",
            "kind": "phone",
            "findings_basis": "TKÜ-Auswertung",
            "object": {"identifier": "+49 151 000000"},
            "linked_person": str(person.pk),
            "reference": {"file_number": "OBJ-1"},
        },
        format="json",
    ).json()
    start = head()
    assert client.delete(f"{RECORDS}{person.pk}/").status_code == 204
    # The object goes with its person; each record that left the data stock has its row.
    assert not Record.objects.filter(pk__in=[person.pk, obj["id"]]).exists()
    events = events_since(start)
    assert [e.action for e in events] == ["record.delete", "record.delete"]
    assert {e.object_id for e in events} == {str(person.pk), obj["id"]}
    assert all(e.details["before"]["file_number"] for e in events)


def test_r_i1_chain_verifies_after_a_series_of_writes(api: Any, make_record: Any) -> None:
    client = api("bka.analyst")
    record = make_record()
    url = f"{RECORDS}{record.pk}/"
    client.get(url)
    client.patch(url, {"findings_basis": "ergänzt"}, format="json")
    client.post(f"{url}block/", {"reason": "Sperre"}, format="json")
    client.post(RECORDS, person_payload(), format="json")
    client.delete(url)
    result = verify_chain()
    assert result["ok"] is True, result
    assert result["first_bad"] is None
    assert result["checked"] == AuditEvent.objects.count()
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + len(events)))
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'forged'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent CASCADE",
    ],
)
def test_r_i1_database_refuses_update_and_delete_of_log_rows(make_record: Any, sql: str) -> None:
    make_record()
    count = AuditEvent.objects.count()
    assert count > 0
    with connection.cursor() as cursor:
        # Fire the deferred FK checks first: TRUNCATE refuses to run with pending ones.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.count() == count
    assert not AuditEvent.objects.filter(action="forged").exists()
    assert verify_chain()["ok"] is True


def test_r_i1_model_refuses_changing_or_deleting_a_log_row(make_record: Any) -> None:
    make_record()
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    event.action = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "record.create"


def test_r_i1_forged_row_breaks_the_chain(make_record: Any) -> None:
    make_record()
    make_record()
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    with connection.cursor() as cursor:
        # Simulate tampering below the application (the trigger switched off for a moment).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_append_only")
        cursor.execute(
            "UPDATE audit_auditevent SET details = '{}'::jsonb WHERE id = %s", [event.pk]
        )
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_append_only")
    result = verify_chain()
    assert result["ok"] is False
    assert result["first_bad"] == str(event.pk)


def test_r_h2_correction_notice_lands_in_owner_inbox_with_configured_due_time(
    make_record: Any, api: Any, settings: Any
) -> None:
    import datetime

    from django.utils import timezone

    from verbund.models import InboxItem

    settings.VERBUND_CORRECTION_DUE_HOURS = 5
    record = make_record("lka-bw.analyst", file="GWS", case_group="", findings_basis="")
    response = api("lka-by.analyst").post(
        f"/api/v1/records/{record.pk}/correction-notices/",
        {"text": "Geburtsdatum weicht vom Melderegister ab."},
        format="json",
    )
    assert response.status_code == 201
    item = InboxItem.objects.get(pk=response.json()["id"])
    assert item.agency.code == "LKA-BW" and item.kind == "correction_notice"
    assert item.payload["from_agency"] == "LKA-BY"
    expected = timezone.now() + datetime.timedelta(hours=5)
    assert item.due_at is not None
    assert abs((item.due_at - expected).total_seconds()) < 60
