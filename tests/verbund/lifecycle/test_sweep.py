"""The deadline sweep (issue 16): reviews coming due, deletion by date, escalation, dry run.

R-L4 (reviews ahead of the date, once), R-L2 / R-L4a (deletion on the deletion date, what
stays), R-L3 (a blocked record survives its deletion date), R-L6 (overdue reviews and duties
escalated once, shown to the agency head and the competent supervisor). Driven by
time-machine; ``verbund.services.deadlines.deadlines_enforce`` is what the beat task and the
operator command run.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Officer
from audit.models import AuditEvent
from tests.verbund.duties.conftest import access_request
from tests.verbund.lifecycle.sweep_support import actions, ask, dated, day, grant, hit_of, noon
from verbund.models import AccessRequest, InboxItem, Record
from verbund.models.inbox import InboxKind
from verbund.services.deadlines import deadlines_enforce, deletions_due, reviews_due
from verbund.services.records import record_block

pytestmark = pytest.mark.django_db


def _code(event: AuditEvent) -> str:
    """The code of the agency a log row names."""
    return event.agency.code if event.agency is not None else ""


def _reviews(record: Any) -> list[InboxItem]:
    return list(InboxItem.objects.filter(record_id=record.pk, kind=InboxKind.REVIEW_DUE))


# ---------------------------------------------------------------------------- R-L4 reviews


def test_r_l4_review_reaches_the_inbox_lead_days_ahead_and_once(
    make_record: Any, time_machine: Any, settings: Any
) -> None:
    settings.VERBUND_REVIEW_LEAD_DAYS = 14
    record = dated(make_record, review=day(30), deletion=day(90))
    other = dated(make_record, review=day(60), deletion=day(90), surname="Spaeter")

    time_machine.move_to(noon(day(15)), tick=False)  # 15 days ahead of the review date
    assert deadlines_enforce().due == 0
    assert _reviews(record) == []

    time_machine.move_to(noon(day(16)), tick=False)  # 14 days ahead: due
    summary = deadlines_enforce()
    assert summary.due == 1 and summary.errors == 0
    [item] = _reviews(record)
    assert item.agency.code == "BFV" and item.done_at is None
    assert item.payload["causes"][0]["cause"] == "date"
    assert item.payload["review_date"] == day(30).isoformat()
    assert item.due_at is not None and item.due_at.date() >= day(29)
    assert _reviews(other) == []
    assert actions(record.pk, "record.review_open") == 1
    opened = AuditEvent.objects.get(action="record.review_open")
    assert opened.officer_id is None and _code(opened) == "BFV"

    # Daily runs after: the open review is not opened again, nor even read again.
    for offset in (16, 17, 20):
        time_machine.move_to(noon(day(offset)), tick=False)
        assert deadlines_enforce().due == 0
    assert len(_reviews(record)) == 1
    assert actions(record.pk, "record.review_open") == 1
    assert not reviews_due(day(20)).filter(pk=record.pk).exists()


def test_r_l4_decided_review_opens_again_only_for_a_new_review_date(
    make_record: Any, time_machine: Any
) -> None:
    record = dated(make_record, review=day(20), deletion=day(200))
    time_machine.move_to(noon(day(10)), tick=False)
    deadlines_enforce()
    [item] = _reviews(record)
    # The owner decides (the reviews branch's service sets done_at and the new date).
    item.done_at = noon(day(10))
    item.save(update_fields=["done_at"])
    time_machine.move_to(noon(day(12)), tick=False)
    assert deadlines_enforce().due == 0  # same review date: not opened again
    Record.objects.filter(pk=record.pk).update(review_date=day(100))
    time_machine.move_to(noon(day(85)), tick=False)
    assert deadlines_enforce().due == 0
    time_machine.move_to(noon(day(86)), tick=False)
    assert deadlines_enforce().due == 1
    assert [i.done_at is None for i in _reviews(record)].count(True) == 1
    assert actions(record.pk, "record.review_open") == 2


def test_r_l4_blocked_record_is_still_reviewed(make_record: Any, time_machine: Any) -> None:
    record = dated(make_record, review=day(20), deletion=day(200))
    record_block(
        actor=Officer.objects.get(username="bfv.analyst"),
        record_id=record.pk,
        reason="Löschung würde schutzwürdige Interessen beeinträchtigen",
    )
    time_machine.move_to(noon(day(10)), tick=False)
    assert deadlines_enforce().due == 1
    assert len(_reviews(record)) == 1


# ---------------------------------------------------------------------------- R-L2 deletion


def test_r_l2_record_is_deleted_on_its_deletion_date_decisions_and_log_stay(
    make_record: Any, api: Any, time_machine: Any
) -> None:
    record = dated(make_record, review=day(5), deletion=day(10), surname="Vergaenglich")
    hit = hit_of(api, "lka-bw.analyst", "Vergaenglich")
    granted = ask(api, "lka-bw.analyst", hit)
    assert granted.status_code == 201, granted.content
    grant(api, "bfv.analyst", granted.json()["id"])
    pending_hit = hit_of(api, "lka-by.analyst", "Vergaenglich")
    pending = ask(api, "lka-by.analyst", pending_hit)
    assert pending.status_code == 201, pending.content
    created_rows = actions(record.pk, "record.create")
    assert created_rows == 1

    time_machine.move_to(noon(day(9)), tick=False)
    assert deadlines_enforce().deleted == 0
    assert Record.objects.filter(pk=record.pk).exists()
    assert api("lka-bw.analyst").get(f"/api/v1/records/{record.pk}/").status_code == 200

    time_machine.move_to(noon(day(10)), tick=False)
    # On the date the record has already left the other agencies' answers (before the sweep).
    assert api("lka-bw.analyst").get(f"/api/v1/records/{record.pk}/").status_code == 404
    summary = deadlines_enforce()
    assert summary.deleted == 1 and summary.errors == 0
    assert not Record.objects.filter(pk=record.pk).exists()
    assert api("bfv.analyst").get(f"/api/v1/records/{record.pk}/").status_code == 404
    # Its hits answer 404 like an invented id.
    again = ask(api, "lka-by.analyst", pending_hit)
    assert again.status_code == 404 and again.json()["code"] == "not_found"
    # The log stays: the creation and one deletion with the tombstone, by the sweep.
    assert actions(record.pk, "record.create") == 1
    [deleted] = AuditEvent.objects.filter(action="record.delete", object_id=str(record.pk))
    assert deleted.officer_id is None and _code(deleted) == "BFV"
    tombstone = deleted.details["tombstone"]
    assert tombstone == {
        "record": str(record.pk),
        "owner": "BFV",
        "file": "ATD",
        "deleted_on": day(10).isoformat(),
        "ground": "deletion_date",
    }
    # The granted request stays as the record of the decision; the pending one goes.
    kept = AccessRequest.objects.get(pk=granted.json()["id"])
    assert kept.record_id is None and kept.status == "granted"
    assert kept.file_number == record.file_number
    assert not AccessRequest.objects.filter(pk=pending.json()["id"]).exists()
    assert not InboxItem.objects.filter(record_id=record.pk).exists()
    sweep = AuditEvent.objects.filter(action="deadlines.sweep").latest("seq")
    assert sweep.details["deleted"] == 1 and sweep.officer_id is None

    # The next day: nothing left to do, nothing logged twice.
    time_machine.move_to(noon(day(11)), tick=False)
    assert deadlines_enforce().deleted == 0
    assert AuditEvent.objects.filter(action="record.delete", object_id=str(record.pk)).count() == 1


def test_r_l2_covert_record_is_deleted_and_logged_in_the_covert_column(
    make_record: Any, time_machine: Any
) -> None:
    from tests.verbund.search.conftest import covert_payload

    record = dated(make_record, review=day(5), deletion=day(10), **covert_payload("BFV"))
    time_machine.move_to(noon(day(10)), tick=False)
    assert deadlines_enforce().deleted == 1
    [row] = AuditEvent.objects.filter(action="record.delete")
    assert row.object_id == "" and row.references == []
    assert row.covert[0]["record"] == str(record.pk)


def test_r_l3_blocked_record_survives_its_deletion_date(
    make_record: Any, time_machine: Any
) -> None:
    record = dated(make_record, review=day(5), deletion=day(10))
    record_block(
        actor=Officer.objects.get(username="bfv.analyst"),
        record_id=record.pk,
        reason="Löschung würde schutzwürdige Interessen beeinträchtigen",
    )
    time_machine.move_to(noon(day(12)), tick=False)
    summary = deadlines_enforce()
    assert summary.deleted == 0 and summary.skipped_blocked == 1
    assert Record.objects.filter(pk=record.pk, status="blocked").exists()
    assert actions(record.pk, "record.delete") == 0


def test_r_l4a_overdue_review_does_not_block_deletion(make_record: Any, time_machine: Any) -> None:
    record = dated(make_record, review=day(3), deletion=day(10))
    time_machine.move_to(noon(day(5)), tick=False)
    summary = deadlines_enforce()
    assert summary.due == 1 and summary.escalated == 1  # opened overdue, escalated at once
    time_machine.move_to(noon(day(10)), tick=False)
    assert deadlines_enforce().deleted == 1
    assert not Record.objects.filter(pk=record.pk).exists()
    assert not InboxItem.objects.filter(record_id=record.pk).exists()


# ---------------------------------------------------------------------------- R-L6 escalation


def _overdue(api: Any, username: str, path: str) -> list[dict[str, Any]]:
    response = api(username).get(path)
    assert response.status_code == 200, response.content
    return [i for i in response.json()["results"] if i["kind"] == "review_due"]


def test_r_l6_overdue_review_is_escalated_once_to_head_and_supervisor(
    make_record: Any, api: Any, time_machine: Any
) -> None:
    record = dated(make_record, review=day(20), deletion=day(200))
    time_machine.move_to(noon(day(10)), tick=False)
    deadlines_enforce()
    [item] = _reviews(record)
    assert item.escalated_at is None
    # Due at the end of the review date: not yet overdue on the date itself.
    time_machine.move_to(noon(day(20)), tick=False)
    assert deadlines_enforce().escalated == 0
    assert _overdue(api, "bfv.head", "/api/v1/overdue/") == []

    time_machine.move_to(noon(day(21)), tick=False)
    # Overdue from its due time on, in both lists, before the sweep escalated it.
    [listed] = _overdue(api, "bfv.head", "/api/v1/overdue/")
    assert listed["reminded_at"] is None
    summary = deadlines_enforce()
    assert summary.escalated == 1
    item.refresh_from_db()
    assert item.escalated_at is not None
    assert item.payload["overdue"] is True
    assert item.payload["escalated_at"] == item.escalated_at.isoformat()
    [row] = AuditEvent.objects.filter(action="duty.escalate")
    assert _code(row) == "BFV" and row.officer_id is None
    assert row.details["duty"] == "review_due"
    assert row.references[0]["record"] == str(record.pk)

    [head] = _overdue(api, "bfv.head", "/api/v1/overdue/")
    assert head["id"] == f"review_due:{item.pk}" and head["agency"] == "BFV"
    assert head["file_number"] == record.file_number and head["reminded_at"] is not None
    [federal] = _overdue(api, "bfdi.supervisor", "/api/v1/supervision/overdue/")
    assert federal["subject"] == str(item.pk)
    assert _overdue(api, "lka-bw.head", "/api/v1/overdue/") == []
    assert _overdue(api, "lfd-by.supervisor", "/api/v1/supervision/overdue/") == []

    # Later runs: escalated once only.
    for offset in (22, 30):
        time_machine.move_to(noon(day(offset)), tick=False)
        assert deadlines_enforce().escalated == 0
    assert AuditEvent.objects.filter(action="duty.escalate").count() == 1


def test_r_l6_overdue_review_shows_in_the_browser_lists(
    make_record: Any, browser: Any, time_machine: Any
) -> None:
    dated(make_record, review=day(2), deletion=day(200))
    time_machine.move_to(noon(day(4)), tick=False)
    deadlines_enforce()
    page = browser("bfv.head").get("/eingang/ueberfaellig/")
    assert page.status_code == 200
    assert "Prüfung eines Datensatzes" in page.content.decode()
    page = browser("bfdi.supervisor").get("/aufsicht/ueberfaellig/")
    assert "Prüfung eines Datensatzes" in page.content.decode()


def test_r_l6_without_delay_duties_are_reminded_and_escalated_once(
    make_record: Any, api: Any, time_machine: Any, settings: Any
) -> None:
    settings.VERBUND_ACCESS_REQUEST_REMINDER_HOURS = 5
    record = dated(make_record, review=day(100), deletion=day(200))
    request = access_request(record)
    time_machine.move_to(noon(day(1)), tick=False)
    summary = deadlines_enforce()
    assert summary.reminded == 1 and summary.escalated == 1
    request.refresh_from_db()
    assert request.reminded_at is not None
    item = InboxItem.objects.get(kind="access_request", subject_id=request.pk)
    assert item.escalated_at is not None and item.payload["escalated_at"]
    [row] = AuditEvent.objects.filter(action="duty.escalate")
    assert row.details["duty"] == "access_request" and _code(row) == "BFV"
    time_machine.move_to(noon(day(2)), tick=False)
    summary = deadlines_enforce()
    assert summary.reminded == 0 and summary.escalated == 0
    assert AuditEvent.objects.filter(action="duty.escalate").count() == 1
    # A decided duty is never escalated, even with its inbox item left open.
    later = access_request(dated(make_record, review=day(100), deletion=day(200), surname="Zwo"))
    AccessRequest.objects.filter(pk=later.pk).update(status="granted")
    time_machine.move_to(noon(day(5)), tick=False)
    assert deadlines_enforce().escalated == 0


# ---------------------------------------------------------------------------- dry run, indexes


def test_r_l4_dry_run_counts_and_writes_nothing(make_record: Any, time_machine: Any) -> None:
    dated(make_record, review=day(3), deletion=day(10), surname="Eins")
    dated(make_record, review=day(3), deletion=day(100), surname="Zwei")
    dated(make_record, review=day(50), deletion=day(100), surname="Drei")
    time_machine.move_to(noon(day(10)), tick=False)
    stock = (
        Record.objects.count(),
        InboxItem.objects.count(),
        AuditEvent.objects.count(),
    )
    summary = deadlines_enforce(dry_run=True)
    assert (summary.due, summary.deleted, summary.dry_run) == (1, 1, True)
    assert (Record.objects.count(), InboxItem.objects.count(), AuditEvent.objects.count()) == stock
    real = deadlines_enforce()
    assert (real.due, real.deleted) == (1, 1)


def test_r_l4_sweep_reads_through_the_date_and_due_indexes(
    make_record: Any, time_machine: Any
) -> None:
    """EXPLAIN: the due records and items are found through btree indexes, never a JSON scan.

    The planner prefers a sequential scan on a table of a few rows; switched off here, it
    must still find an index path (on a big table it takes it by cost — see the benchmark).
    """
    from verbund.services.deadlines import escalations_due

    dated(make_record, review=day(3), deletion=day(10))
    today = day(0)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plans = {
        "reviews": reviews_due(today).explain(),
        "deletions": deletions_due(today).explain(),
        "escalations": escalations_due(noon(today)).explain(),
    }
    assert "record_review_date" in plans["reviews"], plans["reviews"]
    assert "record_deletion_date" in plans["deletions"], plans["deletions"]
    assert "inbox_open_due" in plans["escalations"], plans["escalations"]
    for plan in plans.values():
        assert "Seq Scan on verbund_record" not in plan, plan


def test_r_l4_sweep_query_count_does_not_grow_with_the_file(
    make_record: Any, time_machine: Any
) -> None:
    for n in range(5):
        dated(make_record, review=day(300), deletion=day(400), surname=f"Ruhig{n}")
    time_machine.move_to(noon(day(1)), tick=False)
    with CaptureQueriesContext(connection) as few:
        deadlines_enforce()
    for n in range(20):
        dated(make_record, review=day(300), deletion=day(400), surname=f"Still{n}")
    with CaptureQueriesContext(connection) as many:
        deadlines_enforce()
    assert len(many) == len(few)


# ---------------------------------------------------------------------------- R-L4a GWS hook


def test_r_l4a_sweep_recomputes_gws_dates_after_a_new_order_version(make_record: Any) -> None:
    """Step d: a new GWS order version in force re-dates the records of the older one.

    ``verbund.services.date_rules.gws_dates_recompute`` (tested in ``test_dates.py``) runs
    for every file whose order in force sets review periods; a second sweep changes nothing.
    """
    from verbund.access.records import current_order
    from verbund.models import File
    from verbund.models.files import EstablishmentOrder

    gws = File.objects.get(code="GWS")
    old = current_order(gws)
    assert old is not None and old.review_months
    # Dates from the order (none given): five years for an adult under the demo order.
    record = make_record(
        "lka-bw.analyst",
        file="GWS",
        case_group="",
        findings_basis="",
        review_date=None,
        deletion_date=None,
    )
    assert record.dates_source == "order" and record.dates_order == old
    assert deadlines_enforce().gws_recomputed == 0  # nothing lags behind
    today = timezone.localdate()
    new = EstablishmentOrder.objects.create(
        file=gws,
        version=old.version + 1,
        effective_from=today,
        purposes=old.purposes,
        urgencies=old.urgencies,
        participants=old.participants,
        review_months={"adult": 24, "juvenile": 12, "child": 12},
        storage_months={"adult": 36, "juvenile": 24, "child": 24},
    )
    for approval in old.approvals.all():
        new.approvals.create(body=approval.body, approved_on=today)
    assert current_order(gws) == new
    assert deadlines_enforce().gws_recomputed == 1
    stored = Record.objects.get(pk=record.pk)
    assert stored.dates_order == new and stored.deletion_date < record.deletion_date
    assert deadlines_enforce().gws_recomputed == 0


def test_r_m5_daily_sweep_sends_records_without_a_legal_basis_to_review(make_record: Any) -> None:
    """The sweep runs ``legal_basis_reviews_open`` for every file: storage without a statute
    or ordinance in force is reviewed (R-M5, R-A3); nothing is deleted by that alone."""
    import datetime

    from verbund.models import File, LegalBasis

    record = make_record("lka-bw.analyst", file="GWS", case_group="", findings_basis="")
    assert deadlines_enforce().no_legal_basis == 0
    gws = File.objects.get(code="GWS")
    LegalBasis.objects.filter(pk=gws.legal_basis_id).update(
        in_force_from=timezone.localdate() + datetime.timedelta(days=1)
    )
    summary = deadlines_enforce()
    assert summary.no_legal_basis == 1 and summary.deleted == 0
    item = InboxItem.objects.get(record=record, kind=InboxKind.REVIEW_DUE, done_at__isnull=True)
    assert [c["cause"] for c in item.payload["causes"]] == ["no_legal_basis"]
    assert Record.objects.filter(pk=record.pk, status="active").exists()
