"""Log retention by monthly partitions (R-I3, R-J7; ATDG § 9(1)), on PostgreSQL.

Rows written across ~20 months land in monthly partitions; the purge at month 21 drops the
partitions older than 18 months (and the expired prefix of the month spanning the cutoff),
writes append-only checkpoints, logs ``audit.purge`` and leaves the chain verifiable.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from agencies.models import Agency
from audit import partitions
from audit.models import AppendOnlyError, AuditEvent, MandatoryControl, PurgedPeriod
from audit.services import RETENTION, log_event, partitions_ensure, purge_expired, verify_chain
from audit.tasks import purge_expired_task
from tests.audit.conftest import name_month as _name_month

UTC = datetime.UTC
START = datetime.datetime(2027, 1, 15, 12, tzinfo=UTC)
PURGE_AT = datetime.datetime(2028, 9, 20, 12, tzinfo=UTC)  # month 21 of the run


def _month(n: int) -> datetime.datetime:
    """The 15th of the n-th month after START, noon UTC."""
    first = partitions.add_months(START.date(), n)
    return datetime.datetime(first.year, first.month, 15, 12, tzinfo=UTC)


def _partition_of_rows() -> dict[str, str]:
    """Map each row's action to the table (partition) that physically holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT action, tableoid::regclass::text FROM audit_auditevent")
        return dict(cursor.fetchall())


def _partitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'audit_auditevent'::regclass"
        )
        return {name for (name,) in cursor.fetchall()}


def _write_twenty_months(time_machine: Any) -> None:
    """Two rows a month from 2027-01 to 2028-09, the partitions made as the daily task does."""
    for n in range(21):
        time_machine.move_to(_month(n), tick=False)
        partitions_ensure()
        log_event(actor=None, action=f"month.{n}.a")
        log_event(actor=None, action=f"month.{n}.b")


@pytest.fixture
def twenty_months(reference: Any, time_machine: Any) -> None:
    _write_twenty_months(time_machine)
    time_machine.move_to(PURGE_AT, tick=False)


@pytest.mark.django_db
def test_r_i3_log_table_is_partitioned_by_month_with_a_default_partition(db: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT partstrat, a.attname FROM pg_partitioned_table p "
            "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
            "WHERE p.partrelid = 'audit_auditevent'::regclass"
        )
        assert cursor.fetchone() == ("r", "time")
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_auditevent'::regclass "
            "AND NOT tgisinternal ORDER BY 1"
        )
        assert [r[0] for r in cursor.fetchall()] == ["audit_append_only", "audit_no_truncate"]
    assert partitions.DEFAULT in _partitions()


@pytest.mark.django_db
def test_r_i3_rows_of_twenty_months_land_in_their_monthly_partitions(twenty_months: None) -> None:
    held = _partition_of_rows()
    for n in range(21):
        expected = partitions.partition_name(_month(n).date())
        assert held[f"month.{n}.a"] == held[f"month.{n}.b"] == expected
    # The daily task keeps three months ahead; nothing fell into the default partition.
    assert partitions.partition_name(datetime.date(2028, 12, 1)) in _partitions()
    assert partitions.DEFAULT not in {held[f"month.{n}.a"] for n in range(21)}
    assert verify_chain()["ok"] is True


@pytest.mark.django_db
def test_r_i3_purge_drops_partitions_older_than_18_months_and_verify_stays_ok(
    twenty_months: None, api: Callable[..., Any]
) -> None:
    cutoff = PURGE_AT - RETENTION
    assert cutoff == datetime.datetime(2027, 3, 22, 12, tzinfo=UTC)
    before = _partitions()
    expired = AuditEvent.objects.filter(time__lt=cutoff).count()
    kept = AuditEvent.objects.filter(time__gte=cutoff).count()

    deleted = purge_expired()

    assert deleted == expired
    # Every partition whose upper bound is at or before the cutoff is gone ...
    gone = before - _partitions()
    old_months = {
        name
        for name in before
        if name != partitions.DEFAULT and partitions.bounds(_name_month(name))[1] <= cutoff
    }
    assert gone == old_months
    assert {"audit_auditevent_p202701", "audit_auditevent_p202702"} <= gone
    # ... the month spanning the cutoff lost only its expired rows, the rest is whole.
    assert "audit_auditevent_p202703" in _partitions()
    assert not AuditEvent.objects.filter(time__lt=cutoff).exists()
    assert AuditEvent.objects.filter(action="month.2.a").count() == 0  # 2027-03-15 < cutoff
    assert AuditEvent.objects.filter(time__gte=cutoff).count() == kept + 1  # + audit.purge
    # One append-only checkpoint per dropped non-empty partition, one for the prefix delete.
    periods = list(PurgedPeriod.objects.order_by("first_seq"))
    dropped = [p for p in periods if p.partition]
    assert {p.partition for p in dropped} | set(entry_empty()) == gone
    assert periods[-1].partition == "" and periods[-1].period_to == cutoff
    assert sum(p.count for p in periods) == deleted
    assert periods[0].first_seq == 1
    for a, b in zip(periods, periods[1:], strict=False):
        assert b.first_seq == a.last_seq + 1 and b.first_prev_hash == a.head_hash
    first = AuditEvent.objects.order_by("seq").first()
    assert first is not None and first.prev_hash == periods[-1].head_hash
    # The purge is logged with what went.
    entry = AuditEvent.objects.get(action="audit.purge")
    assert entry.details["cutoff"] == cutoff.isoformat()
    assert entry.details["deleted"] == deleted
    assert [p["partition"] for p in entry.details["periods"]] == [p.partition for p in periods]
    assert set(entry.details["dropped_empty"]) == gone - {p.partition for p in dropped}
    # The supervisors' chain check is green.
    answer = api("bfdi.supervisor").get("/api/v1/audit/verify/")
    assert answer.status_code == 200
    assert answer.json()["ok"] is True
    # Every row was checked; the run itself is logged after the check (audit.verify).
    assert answer.json()["checked"] == AuditEvent.objects.count() - 1
    assert AuditEvent.objects.order_by("-seq").first().action == "audit.verify"  # type: ignore[union-attr]

    # Idempotent: a second purge drops and deletes nothing, and logs that.
    assert purge_expired() == 0
    assert PurgedPeriod.objects.count() == len(periods)
    second = AuditEvent.objects.filter(action="audit.purge").order_by("-seq").first()
    assert second is not None and second.details["periods"] == []
    assert verify_chain()["ok"] is True


def entry_empty() -> list[str]:
    """The empty partitions the (first) purge dropped, from its log entry."""
    entry = AuditEvent.objects.filter(action="audit.purge").order_by("seq").first()
    assert entry is not None
    return list(entry.details["dropped_empty"])


@pytest.mark.django_db
def test_r_i3_cutoff_is_548_days_a_row_at_the_cutoff_stays(db: Any, time_machine: Any) -> None:
    now = datetime.datetime(2029, 7, 1, 8, tzinfo=UTC)
    cutoff = now - datetime.timedelta(days=548)
    time_machine.move_to(cutoff - datetime.timedelta(microseconds=1), tick=False)
    log_event(actor=None, action="just.expired")
    time_machine.move_to(cutoff, tick=False)
    log_event(actor=None, action="at.cutoff")
    time_machine.move_to(now, tick=False)
    assert purge_expired() >= 1
    assert not AuditEvent.objects.filter(action="just.expired").exists()
    assert AuditEvent.objects.filter(action="at.cutoff").exists()
    assert verify_chain()["ok"] is True


@pytest.mark.django_db
def test_r_i3_rows_in_the_default_partition_move_when_their_month_is_created(
    db: Any, time_machine: Any
) -> None:
    time_machine.move_to(datetime.datetime(2031, 6, 10, tzinfo=UTC), tick=False)
    log_event(actor=None, action="far.future")
    assert _partition_of_rows()["far.future"] == partitions.DEFAULT
    created = partitions_ensure()
    assert created == [f"audit_auditevent_p2031{m:02d}" for m in (6, 7, 8, 9)]
    assert _partition_of_rows()["far.future"] == "audit_auditevent_p203106"
    assert partitions_ensure() == []  # idempotent
    # The moved partition is guarded like every other.
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent_p203106")
    assert verify_chain()["ok"] is True


@pytest.mark.django_db
def test_r_i3_purge_task_makes_the_coming_partitions_first(db: Any, time_machine: Any) -> None:
    time_machine.move_to(datetime.datetime(2032, 2, 3, tzinfo=UTC), tick=False)
    assert "audit_auditevent_p203205" not in _partitions()
    assert purge_expired_task.apply().get() == 0
    assert {f"audit_auditevent_p2032{m:02d}" for m in (2, 3, 4, 5)} <= _partitions()
    assert purge_expired_task.apply().get() == 0
    assert AuditEvent.objects.filter(action="audit.purge").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_purgedperiod SET head_hash = 'forged'",
        "DELETE FROM audit_purgedperiod",
        "TRUNCATE audit_purgedperiod",
        "UPDATE audit_checkpoint SET hash = 'forged'",
        "DELETE FROM audit_checkpoint",
        "TRUNCATE audit_checkpoint",
    ],
)
def test_r_i3_checkpoints_cannot_be_rewritten(
    twenty_months: None, sql: str, time_machine: Any
) -> None:
    from audit.services import checkpoint_write

    purge_expired()
    checkpoint_write()
    count = PurgedPeriod.objects.count()
    assert count >= 2
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sql)
    assert PurgedPeriod.objects.count() == count
    period = PurgedPeriod.objects.first()
    assert period is not None
    period.head_hash = "forged"
    with pytest.raises(AppendOnlyError):
        period.save()
    with pytest.raises(AppendOnlyError):
        period.delete()
    assert verify_chain()["ok"] is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM audit_auditevent_p202705",
        "UPDATE audit_auditevent_p202705 SET action = 'forged'",
        "TRUNCATE audit_auditevent_p202705",
        "DELETE FROM audit_auditevent WHERE time < '2027-06-01'",
    ],
)
def test_r_i3_deleting_rows_outside_the_purge_is_refused(twenty_months: None, sql: str) -> None:
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sql)
    assert AuditEvent.objects.count() == count


@pytest.mark.django_db
def test_r_i3_a_dropped_middle_partition_is_detected(twenty_months: None) -> None:
    purge_expired()
    assert verify_chain()["ok"] is True
    after_gap = AuditEvent.objects.filter(action="month.5.a").get()
    with connection.cursor() as cursor:
        # The table owner (not the app) drops a month in the middle of the chain.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DROP TABLE audit_auditevent_p202705")
    result = verify_chain()
    assert result["ok"] is False
    assert result["first_bad"] == str(after_gap.id)


@pytest.mark.django_db
def test_r_i3_a_cut_head_without_checkpoint_is_detected(twenty_months: None) -> None:
    first_after = AuditEvent.objects.filter(action="month.1.a").get()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DROP TABLE audit_auditevent_p202701")
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM audit_auditevent WHERE time < '2027-01-01'")
    result = verify_chain()
    assert result["ok"] is False
    assert result["first_bad"] == str(first_after.id)


@pytest.mark.django_db
def test_r_i3_a_deleted_middle_row_after_a_purge_is_detected(twenty_months: None) -> None:
    purge_expired()
    victim = AuditEvent.objects.filter(action="month.10.a").get()
    follower = AuditEvent.objects.filter(action="month.10.b").get()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [victim.id])
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    result = verify_chain()
    assert result["ok"] is False
    assert result["first_bad"] == str(follower.id)


@pytest.mark.django_db
def test_r_j7_purge_names_periods_no_completed_control_covered(twenty_months: None) -> None:
    bka = Agency.objects.get(code="BKA")
    bfv = Agency.objects.get(code="BFV")
    # BKA's log was controlled for everything purged; BFV's control is not finished.
    MandatoryControl.objects.create(
        agency=bka,
        file="ATD",
        period_from=datetime.date(2026, 1, 1),
        period_to=datetime.date(2027, 12, 31),
        done_on=datetime.date(2028, 2, 1),
        supervisor_username="bfdi.supervisor",
    )
    MandatoryControl.objects.create(
        agency=bfv,
        period_from=datetime.date(2026, 1, 1),
        period_to=datetime.date(2027, 12, 31),
        done_on=None,
    )
    # LKA-BW: controlled only in part (January 2027 but not the rest).
    MandatoryControl.objects.create(
        agency=Agency.objects.get(code="LKA-BW"),
        period_from=datetime.date(2027, 1, 1),
        period_to=datetime.date(2027, 1, 31),
        done_on=datetime.date(2027, 6, 1),
    )
    purge_expired()
    uncontrolled = AuditEvent.objects.get(action="audit.purge").details["uncontrolled"]
    covered_days: dict[str, set[datetime.date]] = {}
    for entry in uncontrolled:
        days = covered_days.setdefault(entry["agency"], set())
        days |= _days(datetime.date.fromisoformat(entry["from"]), entry["to"])
    purged: set[datetime.date] = set()
    for period in PurgedPeriod.objects.all():
        last = period.period_to - datetime.timedelta(microseconds=1)
        purged |= _days(period.period_from.date(), last.date().isoformat())
    assert "BKA" not in covered_days
    assert covered_days["BFV"] == purged
    january = _days(datetime.date(2027, 1, 1), "2027-01-31")
    assert january <= purged
    assert covered_days["LKA-BW"] == purged - january
    # Every other agency taking part in a file is named, with all purged days.
    assert len(covered_days) >= 30
    assert covered_days["LFV-BY"] == purged


def _days(first: datetime.date, last: str) -> set[datetime.date]:
    end = datetime.date.fromisoformat(last)
    return {first + datetime.timedelta(days=n) for n in range((end - first).days + 1)}


@pytest.mark.django_db(transaction=True)
def test_r_i3_two_concurrent_purges_drop_each_partition_once(
    audit_truncate_allowed: Any, partitions_restored: None, time_machine: Any
) -> None:
    _write_twenty_months(time_machine)
    time_machine.move_to(PURGE_AT, tick=False)
    expected = AuditEvent.objects.filter(time__lt=PURGE_AT - RETENTION).count()
    results: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def purger() -> None:
        try:
            start.wait()
            results.append(purge_expired(now=PURGE_AT))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=purger) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [0, expected]
    names = [p.partition for p in PurgedPeriod.objects.all() if p.partition]
    assert len(names) == len(set(names)) >= 2
    assert AuditEvent.objects.filter(action="audit.purge").count() == 2
    assert verify_chain()["ok"] is True


@pytest.mark.django_db
def test_r_j7_mandatory_controls_are_recorded_in_the_admin_and_logged(
    reference: Any, admin_client: Any
) -> None:
    bka = Agency.objects.get(code="BKA")
    response = admin_client.post(
        "/admin/audit/mandatorycontrol/add/",
        {
            "agency": str(bka.pk),
            "file": "ATD",
            "period_from": "2027-01-01",
            "period_to": "2027-06-30",
            "done_on": "2027-09-01",
            "supervisor_username": "bfdi.supervisor",
            "notes": "Stichprobe",
        },
    )
    assert response.status_code == 302
    control = MandatoryControl.objects.get()
    assert control.agency == bka and control.done_on == datetime.date(2027, 9, 1)
    event = AuditEvent.objects.filter(action="admin.create").latest("seq")
    assert event.object_type == "audit.mandatorycontrol"
    assert event.object_id == str(control.pk)
    # A period ending before it starts is refused (nothing stored).
    response = admin_client.post(
        "/admin/audit/mandatorycontrol/add/",
        {"agency": str(bka.pk), "period_from": "2027-06-30", "period_to": "2027-01-01"},
    )
    assert response.status_code == 200
    assert MandatoryControl.objects.count() == 1
    # Purged periods are shown, never added, changed or deleted there.
    assert admin_client.get("/admin/audit/purgedperiod/").status_code == 200
    assert admin_client.get("/admin/audit/purgedperiod/add/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_r_i3_purge_gives_up_on_a_held_table_without_change_and_reruns(
    audit_truncate_allowed: Any, partitions_restored: None, time_machine: Any
) -> None:
    from django.db import OperationalError

    _write_twenty_months(time_machine)
    time_machine.move_to(PURGE_AT, tick=False)
    count = AuditEvent.objects.count()
    holding = threading.Event()
    release = threading.Event()

    def reader() -> None:
        try:
            with transaction.atomic():
                # A long transaction that has read the log (ACCESS SHARE until it ends).
                AuditEvent.objects.filter(seq=1).exists()
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        assert holding.wait(timeout=10)
        with pytest.raises(OperationalError, match="lock timeout"):
            purge_expired(now=PURGE_AT)
    finally:
        release.set()
        thread.join()
    # Nothing changed: no checkpoint, no purge entry, every row still there.
    assert PurgedPeriod.objects.count() == 0
    assert AuditEvent.objects.count() == count
    assert "audit_auditevent_p202701" in _partitions()
    # The rerun (the task retries) purges, and the chain verifies.
    assert purge_expired(now=PURGE_AT) > 0
    assert "audit_auditevent_p202701" not in _partitions()
    assert verify_chain()["ok"] is True
    # The daily task retries such a failure within minutes.
    assert OperationalError in purge_expired_task.autoretry_for
    assert purge_expired_task.max_retries == 5
