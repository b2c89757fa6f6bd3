"""Due times and reminders of the owners' decisions on subject requests (R-K1, R-L6)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from audit.models import AuditEvent
from subjects.services import subject_requests_remind
from subjects.tasks import remind_overdue_subject_requests
from tests.subjects.conftest import COVERT_BFV
from verbund.models import InboxItem
from verbund.models.inbox import InboxKind

START = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)


def test_r_k1_owner_decision_due_time_is_configurable_and_reminded_once(
    make_record: Any,
    subject_request: Callable[..., Any],
    settings: Any,
    time_machine: Any,
) -> None:
    settings.VERBUND_SUBJECT_REQUEST_DUE_HOURS = 5
    time_machine.move_to(START, tick=False)
    make_record("lka-bw.analyst")
    subject_request()
    item = InboxItem.objects.get(kind=InboxKind.SUBJECT_REQUEST)
    assert item.due_at == START + datetime.timedelta(hours=5)
    time_machine.move_to(START + datetime.timedelta(hours=4), tick=False)
    assert subject_requests_remind() == 0
    time_machine.move_to(START + datetime.timedelta(hours=6), tick=False)
    assert remind_overdue_subject_requests() == 1
    assert subject_requests_remind() == 0
    item.refresh_from_db()
    assert item.payload["overdue"] is True
    event = AuditEvent.objects.get(action="duty.reminder")
    assert event.agency is not None and event.agency.code == "LKA-BW"
    assert event.references[0]["kind"] == "subject_request"


def test_r_k2_reminder_of_a_covert_consultation_logs_in_the_covert_column_only(
    make_record: Any, subject_request: Callable[..., Any], settings: Any, time_machine: Any
) -> None:
    settings.VERBUND_SUBJECT_REQUEST_DUE_HOURS = 1
    time_machine.move_to(START, tick=False)
    make_record("bfv.analyst", storage="covert", storage_decision=COVERT_BFV)
    subject_request("bfv.auskunft")
    time_machine.move_to(START + datetime.timedelta(hours=2), tick=False)
    assert subject_requests_remind() == 1
    event = AuditEvent.objects.get(action="duty.reminder")
    assert event.references == [] and event.object_id == ""
    assert event.covert[0]["agency"] == "BFV"


def test_r_k5_beat_entry_calls_the_reminder_task(settings: Any) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["remind-overdue-subject-requests"]
    assert entry["task"] == remind_overdue_subject_requests.name


def test_r_k1_overdue_subject_request_is_among_the_agency_overdue_duties(
    api: Any,
    make_record: Any,
    subject_request: Callable[..., Any],
    settings: Any,
    time_machine: Any,
) -> None:
    settings.VERBUND_SUBJECT_REQUEST_DUE_HOURS = 2
    time_machine.move_to(START, tick=False)
    make_record("lka-bw.analyst")
    made = subject_request()
    time_machine.move_to(START + datetime.timedelta(hours=3), tick=False)
    item = InboxItem.objects.get(kind=InboxKind.SUBJECT_REQUEST)
    head = api("lka-bw.head").get("/api/v1/overdue/").json()
    assert ("subject_request", str(item.pk)) in {(i["kind"], i["subject"]) for i in head["results"]}
    supervisor = api("lfd-bw.supervisor").get("/api/v1/supervision/overdue/").json()
    kinds = {(i["kind"], i["subject"]) for i in supervisor["results"]}
    assert ("subject_request", str(item.pk)) in kinds
    assert made["consultations"][0]["file_number"] in {
        i["file_number"] for i in supervisor["results"]
    }
    event = AuditEvent.objects.filter(action="overdue.read").latest("seq")
    assert any(r.get("inbox_item") == str(item.pk) for r in event.references)


def test_r_k2_overdue_covert_subject_request_is_logged_in_the_covert_column_only(
    api: Any,
    make_record: Any,
    subject_request: Callable[..., Any],
    settings: Any,
    time_machine: Any,
) -> None:
    settings.VERBUND_SUBJECT_REQUEST_DUE_HOURS = 2
    time_machine.move_to(START, tick=False)
    make_record("bfv.analyst", storage="covert", storage_decision=COVERT_BFV)
    subject_request("bfv.auskunft")
    time_machine.move_to(START + datetime.timedelta(hours=3), tick=False)
    item = InboxItem.objects.get(kind=InboxKind.SUBJECT_REQUEST)
    listed = api("bfdi.supervisor").get("/api/v1/supervision/overdue/").json()
    assert ("subject_request", str(item.pk)) in {
        (i["kind"], i["subject"]) for i in listed["results"]
    }
    event = AuditEvent.objects.filter(action="overdue.read").latest("seq")
    assert not any(r.get("inbox_item") == str(item.pk) for r in event.references)
    assert any(r.get("inbox_item") == str(item.pk) for r in event.covert)
