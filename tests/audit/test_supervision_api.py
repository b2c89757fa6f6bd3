"""Supervisors read the log within their jurisdiction; covert entries stay hidden (R-I*, R-J*)."""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError, connection, transaction

from agencies.models import Agency, Delegation
from audit.models import AuditEvent, Checkpoint
from audit.services import checkpoint_write, log_event, purge_expired, verify_chain


def _covert_payload(**extra):
    return {
        "storage": "covert",
        "storage_decision": {"decided_by": "bfv.head", "reasons": "Quellenschutz"},
        **extra,
    }


@pytest.mark.django_db
def test_r_i5_bka_operators_cannot_read_the_log(api, make_record):
    make_record("bfv.analyst", **_covert_payload())
    for username in ("bka.analyst", "bka.head", "bka.auskunft"):
        response = api(username).get("/api/v1/audit/events/")
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


@pytest.mark.django_db
def test_r_i5_covert_record_rows_keep_the_record_out_of_open_columns(make_record):
    record = make_record("bfv.analyst", **_covert_payload())
    event = AuditEvent.objects.get(action="record.create")
    assert event.object_id == ""
    assert event.references == []
    assert event.covert == [
        {"record": str(record.pk), "agency": "BFV", "file_number": record.file_number}
    ]


@pytest.mark.django_db
def test_r_i5_covert_refs_visible_to_owner_supervisor_only(api, make_record):
    make_record("bfv.analyst", **_covert_payload())
    federal = api("bfdi.supervisor").get("/api/v1/audit/events/?agency=BFV").json()
    create = [e for e in federal["results"] if e["action"] == "record.create"]
    assert len(create) == 1 and create[0]["covert"][0]["agency"] == "BFV"
    # A state supervisor has no jurisdiction over the BfV: the event is not even listed.
    state = api("lfd-bw.supervisor").get("/api/v1/audit/events/?agency=BFV").json()
    assert state["count"] == 0


@pytest.mark.django_db
def test_r_j1_state_supervisor_sees_only_own_state(api, make_record):
    make_record("lka-bw.analyst")
    make_record("lka-by.analyst")
    body = api("lfd-bw.supervisor").get("/api/v1/audit/events/").json()
    agencies = {e["agency"] for e in body["results"]}
    assert "LKA-BW" in agencies
    assert agencies <= {"LKA-BW", "LFV-BW"}
    federal = api("bfdi.supervisor").get("/api/v1/audit/events/").json()
    assert "LKA-BW" not in {e["agency"] for e in federal["results"]}


@pytest.mark.django_db
def test_r_j2_delegation_extends_jurisdiction(api, make_record):
    make_record("lka-by.analyst")
    assert api("lfd-bw.supervisor").get("/api/v1/audit/events/?agency=LKA-BY").json()["count"] == 0
    Delegation.objects.create(
        from_jurisdiction="BY",
        to_jurisdiction="BW",
        agency=Agency.objects.get(code="LKA-BY"),
        valid_from=datetime.date(2020, 1, 1),
        valid_until=datetime.date(2099, 12, 31),
        reasons="Gemeinsame Kontrolle",
    )
    assert api("lfd-bw.supervisor").get("/api/v1/audit/events/?agency=LKA-BY").json()["count"] >= 1


@pytest.mark.django_db
def test_r_j3_art10_covert_refs_reach_querying_agency_supervisor(make_record):
    from audit.selectors import event_view

    record = make_record("bfv.analyst", markings=["art10"], **_covert_payload())
    event = AuditEvent.objects.get(action="record.create")
    assert event.covert[0]["art10"] is True
    shown = event_view(event, supervised_codes={"LKA-BW"})
    assert shown["covert"][0]["record"] == str(record.pk)


@pytest.mark.django_db
def test_r_i4_event_shape_ties_entry_to_process(api, make_record):
    record = make_record("lka-bw.analyst")
    event = api("lfd-bw.supervisor").get("/api/v1/audit/events/").json()["results"][0]
    for key in (
        "id",
        "time",
        "agency",
        "officer",
        "action",
        "object",
        "file",
        "purpose",
        "urgency",
        "references",
        "request_id",
    ):
        assert key in event
    assert event["object"] == str(record.pk)
    assert event["officer"] == "lka-bw.analyst"


@pytest.mark.django_db
def test_r_i1_every_access_is_logged_with_officer(api, make_record):
    record = make_record("bka.analyst")
    before = AuditEvent.objects.count()
    response = api("bka.analyst").get(f"/api/v1/records/{record.pk}/")
    assert response.status_code == 200
    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert event.action == "record.view"
    assert event.officer_username == "bka.analyst"
    assert event.references[0]["record"] == str(record.pk)
    assert event.request_id


@pytest.mark.django_db
def test_audit_verify_endpoint_detects_tampering(api, make_record):
    make_record("bka.analyst")
    ok = api("bfdi.supervisor").get("/api/v1/audit/verify/").json()
    assert ok["ok"] is True and ok["checked"] > 0
    victim = AuditEvent.objects.order_by("seq")[1]
    with connection.cursor() as cursor:
        # Simulate tampering by a database superuser who bypasses the triggers.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE audit_auditevent SET officer_username = 'mallory' WHERE id = %s", [victim.id]
        )
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    bad = api("bfdi.supervisor").get("/api/v1/audit/verify/").json()
    assert bad["ok"] is False and bad["first_bad"] == str(victim.id)
    assert api("bka.head").get("/api/v1/audit/verify/").status_code == 403


@pytest.mark.django_db
def test_r_i1_log_is_append_only_in_the_database(make_record):
    make_record("bka.analyst")
    event = AuditEvent.objects.first()
    for sql in (
        "UPDATE audit_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
            c.execute(sql, [event.id])
    with pytest.raises(Exception, match="append-only"):
        event.delete()


@pytest.mark.django_db
def test_r_i3_purge_deletes_rows_older_than_18_months_and_keeps_chain_valid(db, time_machine):
    time_machine.move_to(datetime.datetime(2024, 1, 1, 12, tzinfo=datetime.UTC))
    log_event(actor=None, action="old.event")
    time_machine.move_to(datetime.datetime(2026, 1, 1, 12, tzinfo=datetime.UTC))
    log_event(actor=None, action="new.event")
    deleted = purge_expired()
    assert deleted >= 1
    assert not AuditEvent.objects.filter(action="old.event").exists()
    assert AuditEvent.objects.filter(action="audit.purge").exists()
    assert verify_chain()["ok"] is True


@pytest.mark.django_db
def test_checkpoint_detects_cut_tail(reference):
    log_event(actor=None, action="a")
    checkpoint_write()
    assert Checkpoint.objects.count() == 1
    last = AuditEvent.objects.order_by("-seq").first()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL verbund.audit_purge = 'on'")
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [last.id])
    assert verify_chain()["ok"] is False


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/audit/events/", "/api/v1/audit/verify/"])
def test_r_j6_audit_endpoints_permission_matrix(
    api, make_record, path, django_assert_max_num_queries
):
    make_record("lka-bw.analyst")
    anonymous = api().get(path)
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"
    for officer in ("lka-bw.analyst", "lka-bw.head", "bka.head"):
        assert api(officer).get(path).status_code == 403
    client = api("lfd-bw.supervisor")
    before = AuditEvent.objects.count()
    with django_assert_max_num_queries(12):
        response = client.get(path)
    assert response.status_code == 200
    if path.endswith("events/"):
        read = AuditEvent.objects.order_by("-seq").first()
        assert AuditEvent.objects.count() == before + 1
        assert read.action == "audit.read" and read.officer_username == "lfd-bw.supervisor"


@pytest.mark.django_db
def test_r_i4_audit_events_filter_by_time_and_reject_bad_dates(api, make_record):
    make_record("lka-bw.analyst")
    client = api("lfd-bw.supervisor")
    assert client.get("/api/v1/audit/events/?since=2999-01-01T00:00:00").json()["count"] == 0
    assert client.get("/api/v1/audit/events/?until=2000-01-01T00:00:00").json()["count"] == 0
    bad = client.get("/api/v1/audit/events/?since=yesterday")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_date" and set(bad.json()["fields"]) == {"since"}
    # api.md: week and ordinal dates (and the basic format) are 400 invalid_date.
    for value in ("2026-W49", "2026-334", "20261201", "2026-W49-1T00:00:00"):
        refused = client.get("/api/v1/audit/events/", {"until": value})
        assert refused.status_code == 400, value
        assert refused.json()["code"] == "invalid_date" and set(refused.json()["fields"]) == {
            "until"
        }


@pytest.mark.django_db
def test_r_j3_search_touching_art10_record_is_visible_to_the_querying_side_supervisor(
    api, make_record
):
    make_record(
        "bfv.analyst",
        basic={"surname": "Fernmeldung"},
        markings=["art10"],
        **_covert_payload(),
    )
    response = api("lka-bw.analyst").post(
        "/api/v1/searches/",
        {
            "file": "ATD",
            "mode": "name",
            "purpose": "ct_task",
            "urgency": "routine",
            "criteria": {"surname": "Fernmeldung"},
        },
        format="json",
    )
    assert response.json()["hit_count"] == 0
    events = api("lfd-bw.supervisor").get("/api/v1/audit/events/?agency=LKA-BW").json()
    search = next(e for e in events["results"] if e["action"] == "search")
    assert search["covert"][0]["agency"] == "BFV" and search["covert"][0]["art10"] is True
