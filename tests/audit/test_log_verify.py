"""The tamper-evident log: verify_audit, per-month verification, checkpoints (R-I1, R-I3, R-I4,
R-J7), on PostgreSQL with the monthly partitions of ``audit/partitions.py``."""

from __future__ import annotations

import datetime
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from audit import partitions
from audit.management.commands.verify_audit import Command
from audit.models import AppendOnlyError, AuditEvent, Checkpoint, PurgedPeriod
from audit.services import (
    checkpoint_write,
    log_event,
    partitions_ensure,
    purge_expired,
    verify_chain,
)
from audit.verification import checkpoints_check, verify_month

UTC = datetime.UTC
START = datetime.datetime(2027, 1, 15, 12, tzinfo=UTC)
PURGE_AT = datetime.datetime(2028, 9, 20, 12, tzinfo=UTC)


def _month(n: int) -> datetime.datetime:
    first = partitions.add_months(START.date(), n)
    return datetime.datetime(first.year, first.month, 15, 12, tzinfo=UTC)


@pytest.fixture
def twenty_months(reference: Any, time_machine: Any) -> None:
    """Two rows a month from 2027-01 to 2028-09 in their monthly partitions."""
    for n in range(21):
        time_machine.move_to(_month(n), tick=False)
        partitions_ensure()
        log_event(actor=None, action=f"month.{n}.a")
        log_event(actor=None, action=f"month.{n}.b")
    time_machine.move_to(PURGE_AT, tick=False)


def _run(*args: str) -> tuple[int, str, str]:
    """Run verify_audit in this transaction; return (exit status, stdout, error message).

    ``manage.py`` exits with a ``CommandError``'s ``returncode``
    (``BaseCommand.run_from_argv``); the real process is run in
    ``test_r_i4_verify_audit_exit_status_of_the_real_process``.
    """
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(Command(), *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), str(exc)
    return 0, out.getvalue(), err.getvalue()


def _tamper_behind_the_trigger(event: AuditEvent, table: str = "audit_auditevent") -> None:
    """As the table owner (a superuser): switch the append-only trigger off, change a row."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks before ALTER
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER audit_append_only")
        cursor.execute(f"UPDATE {table} SET officer_username = 'mallory' WHERE id = %s", [event.id])
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER audit_append_only")


# ---------------------------------------------------------------------------- append-only


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'forged' WHERE seq = %s",
        "DELETE FROM audit_auditevent WHERE seq = %s",
        "UPDATE audit_auditevent SET hash = repeat('0', 64) WHERE seq = %s",
    ],
)
def test_r_i1_update_or_delete_of_a_log_row_in_sql_is_refused(reference: Any, sql: str) -> None:
    log_event(actor=None, action="probe")
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.seq])
    assert AuditEvent.objects.get(pk=event.pk).action == "probe"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        lambda: Checkpoint.objects.update(hash="0" * 64),
        lambda: Checkpoint.objects.all().delete(),
        lambda: Checkpoint.objects.filter(seq__gte=1).update(seq=1),
    ],
    ids=["orm-update", "orm-delete", "orm-update-seq"],
)
def test_r_i4_the_application_cannot_update_or_delete_checkpoints(
    reference: Any, change: Callable[[], Any]
) -> None:
    log_event(actor=None, action="probe")
    anchor = checkpoint_write()
    assert anchor is not None
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic():
            change()
    stored = Checkpoint.objects.get(pk=anchor.pk)
    assert (stored.seq, stored.hash) == (anchor.seq, anchor.hash)
    stored.hash = "0" * 64
    with pytest.raises(AppendOnlyError):
        stored.save()
    with pytest.raises(AppendOnlyError):
        stored.delete()


# ---------------------------------------------------------------------------- verify_audit


@pytest.mark.django_db
def test_r_i4_verify_audit_prints_ok_logs_the_run_and_exits_zero(twenty_months: None) -> None:
    before = AuditEvent.objects.count()
    status, out, _ = _run()
    assert status == 0
    assert out.startswith(f"ok: {before} entries checked, whole chain")
    run = AuditEvent.objects.order_by("-seq").first()
    assert run is not None and run.action == "audit.verify"
    assert run.details == {"scope": "all", "ok": True, "checked": before, "first_bad_seq": None}


@pytest.mark.django_db
def test_r_i4_a_row_changed_with_the_trigger_disabled_is_named_by_command_and_api(
    twenty_months: None, api: Callable[..., Any]
) -> None:
    victim = AuditEvent.objects.get(action="month.7.b")
    _tamper_behind_the_trigger(victim)
    status, _, err = _run()
    assert status == 1
    assert f"seq {victim.seq}, id {victim.id}" in err
    assert f"time {victim.time.isoformat()}" in err
    assert "partition audit_auditevent_p202708" in err
    assert "reason hash" in err
    answer = api("bfdi.supervisor").get("/api/v1/audit/verify/").json()
    assert answer["ok"] is False and answer["first_bad"] == str(victim.id)
    failed = AuditEvent.objects.filter(action="audit.verify").order_by("-seq").first()
    assert failed is not None
    assert failed.details["ok"] is False and failed.details["first_bad_seq"] == victim.seq


@pytest.mark.django_db
def test_r_i4_a_row_changed_in_its_partition_with_the_trigger_disabled_is_found_in_its_month(
    twenty_months: None,
) -> None:
    victim = AuditEvent.objects.get(action="month.3.a")
    _tamper_behind_the_trigger(victim, "audit_auditevent_p202704")
    status, _, err = _run("--month", "2027-04")
    assert status == 1
    assert f"seq {victim.seq}" in err and "partition audit_auditevent_p202704" in err
    # Other months still verify on their own: their links to April's rows hold.
    assert _run("--month", "2027-03")[0] == 0
    status, out, _ = _run("--month", "2027-05")
    assert status == 0 and out.startswith("ok: 2 entries checked, month 2027-05")


@pytest.mark.django_db
def test_r_i4_month_verification_reads_only_that_partition(twenty_months: None) -> None:
    month = datetime.date(2028, 2, 1)
    lower, upper = partitions.bounds(month)
    plan = AuditEvent.objects.filter(time__gte=lower, time__lt=upper).order_by("seq").explain()
    assert "audit_auditevent_p202802" in plan
    assert "audit_auditevent_p202801" not in plan and "audit_auditevent_default" not in plan
    result = verify_month(month)
    assert result["ok"] is True and result["checked"] == 2
    assert result["partition"] == "audit_auditevent_p202802"


@pytest.mark.django_db
def test_r_i4_month_verification_finds_a_deleted_last_row_of_the_month(
    twenty_months: None,
) -> None:
    victim = AuditEvent.objects.get(action="month.9.b")
    follower = AuditEvent.objects.get(action="month.10.a")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [victim.id])
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    october = verify_month(datetime.date(2027, 10, 1))
    assert october["ok"] is False
    assert october["first_bad"] == str(follower.id) and october["reason"] == "next_missing"
    november = verify_month(datetime.date(2027, 11, 1))
    assert november["ok"] is False and november["reason"] == "previous_missing"


@pytest.mark.django_db
def test_r_j7_verify_stays_ok_after_the_purge_drops_partitions(twenty_months: None) -> None:
    assert purge_expired() > 0
    dropped = PurgedPeriod.objects.exclude(partition="").values_list("partition", flat=True)
    assert "audit_auditevent_p202701" in dropped
    status, out, _ = _run()
    assert status == 0, out
    # The oldest month still here links to the purged period's head, not to a dropped row.
    status, out, _ = _run("--month", "2027-04")
    assert status == 0 and out.startswith("ok: 2 entries checked, month 2027-04"), out
    first = AuditEvent.objects.order_by("seq").first()
    assert first is not None
    newest = PurgedPeriod.objects.order_by("-last_seq").first()
    assert newest is not None and first.prev_hash == newest.head_hash
    # A purged month itself holds nothing and is fine.
    status, out, _ = _run("--month", "2027-01")
    assert status == 0 and out.startswith("ok: 0 entries checked")


@pytest.mark.django_db
def test_r_i4_verify_audit_refuses_a_bad_month_with_status_2(reference: Any) -> None:
    for bad in ("2027-13", "27-01", "2027-1", "März"):
        status, _, err = _run("--month", bad)
        assert status == 2, bad
        assert "--month" in err
    with pytest.raises(CommandError) as raised:
        call_command("verify_audit", month="2027/01")
    assert raised.value.returncode == 2


@pytest.mark.django_db(transaction=True)
def test_r_i4_verify_audit_exit_status_of_the_real_process(audit_truncate_allowed: None) -> None:
    """``manage.py verify_audit`` as an operator runs it: status 0, then 1 after tampering."""
    log_event(actor=None, action="first")
    victim = log_event(actor=None, action="second")
    log_event(actor=None, action="third")
    env = {**os.environ, "DATABASE_URL": _test_database_url()}
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "verify_audit"]
    ok = subprocess.run(manage, env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok: 3 entries checked")
    _tamper_behind_the_trigger(victim)
    bad = subprocess.run(manage, env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1
    assert f"seq {victim.seq}, id {victim.id}" in bad.stderr


def _test_database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


# ---------------------------------------------------------------------------- checkpoints


def _export(api: Callable[..., Any]) -> dict[str, Any]:
    answer = api("bfdi.supervisor").get("/api/v1/audit/checkpoints/")
    assert answer.status_code == 200, answer.content
    assert answer["Content-Disposition"].startswith("attachment; filename=")
    assert "no-store" in answer["Cache-Control"]
    document: dict[str, Any] = answer.json()
    return document


@pytest.mark.django_db
def test_r_i4_supervisor_exports_checkpoints_and_the_export_is_logged(
    twenty_months: None, api: Callable[..., Any]
) -> None:
    head = AuditEvent.objects.order_by("-seq").first()
    assert head is not None
    document = _export(api)
    assert document["format"] == "verbund-audit-checkpoints/1"
    assert document["exported_by"] == "bfdi.supervisor"
    assert document["head"]["seq"] == head.seq and document["head"]["hash"] == head.hash
    assert document["head"]["count"] == AuditEvent.objects.count() - 1
    assert document["checkpoints"][-1] == document["head"]
    entry = AuditEvent.objects.order_by("-seq").first()
    assert entry is not None and entry.action == "audit.checkpoint_export"
    assert entry.details["head_seq"] == head.seq
    assert entry.officer_username == "bfdi.supervisor"
    for username in ("bka.head", "bka.analyst", "bka.betrieb"):
        assert api(username).get("/api/v1/audit/checkpoints/").status_code == 403


@pytest.mark.django_db
def test_r_i4_exported_checkpoints_still_hold_after_more_entries_and_the_purge(
    twenty_months: None, api: Callable[..., Any], tmp_path: Path
) -> None:
    early = _export(api)
    log_event(actor=None, action="later")
    purge_expired()  # the early anchors' rows are gone now, each covered by a purge period
    answer = api("bfdi.supervisor").post("/api/v1/audit/checkpoints/check/", early, format="json")
    assert answer.status_code == 200
    body = answer.json()
    assert body["ok"] is True and body["first_bad"] is None
    assert {r["status"] for r in body["results"]} <= {"ok", "purged"}
    path = tmp_path / "checkpoints.json"
    path.write_text(json.dumps(early))
    status, out, _ = _run("--against", str(path))
    assert status == 0 and out.startswith("ok: ")


@pytest.mark.django_db
def test_r_i4_exported_checkpoints_detect_a_cut_tail(
    twenty_months: None, api: Callable[..., Any], tmp_path: Path
) -> None:
    document = _export(api)
    head_seq = document["head"]["seq"]
    with connection.cursor() as cursor:
        # Whoever runs the database cuts the tail behind the triggers' back and also
        # removes the anchors it holds itself: only the exported document remembers.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM audit_auditevent WHERE seq >= %s", [head_seq - 3])
        cursor.execute("DELETE FROM audit_checkpoint")
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    body = checkpoints_check(actor=None, document=document)
    assert body["ok"] is False
    assert body["first_bad"] == {
        "seq": head_seq,
        "hash": document["head"]["hash"],
        "status": "beyond_head",
    }
    assert body["head"]["seq"] == head_seq - 4
    path = tmp_path / "checkpoints.json"
    path.write_text(json.dumps(document))
    status, _, err = _run("--against", str(path))
    assert status == 1
    # Since issue 19 appends chain on the head row (audit_chainhead), not on the newest
    # surviving row: the check above logged an event, and it did not take the cut rows'
    # places. The exported checkpoint's row is now missing below a live head beyond it,
    # and the gap breaks the chain for verify_chain too, with no document at all.
    assert f"checkpoint seq {head_seq} " in err and f"missing (live head seq {head_seq + 2})" in err
    assert verify_chain()["ok"] is False


@pytest.mark.django_db
def test_r_i4_exported_checkpoints_detect_a_rewritten_history(
    twenty_months: None, api: Callable[..., Any]
) -> None:
    document = _export(api)
    head = document["head"]
    with connection.cursor() as cursor:
        # A rewritten head: same seq, another content and a fresh, self-consistent hash.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE audit_auditevent SET hash = repeat('a', 64) WHERE seq = %s", [head["seq"]]
        )
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    answer = api("bfdi.supervisor").post(
        "/api/v1/audit/checkpoints/check/", document, format="json"
    )
    body = answer.json()
    assert body["ok"] is False and body["first_bad"]["status"] == "rewritten"
    check = AuditEvent.objects.filter(action="audit.verify").order_by("-seq").first()
    assert check is not None
    assert check.details["scope"] == "checkpoints" and check.details["ok"] is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"format": "other/1"}, "format", "invalid"),
        ({"checkpoints": None}, "checkpoints", "required"),
        ({"checkpoints": [{"seq": 0, "hash": "a" * 64}]}, "checkpoints[0].seq", "invalid"),
        ({"checkpoints": [{"seq": 1, "hash": "xyz"}]}, "checkpoints[0].hash", "invalid"),
        ({"checkpoints": [{"seq": "1", "hash": "a" * 64}]}, "checkpoints[0].seq", "invalid"),
        ({"checkpoints": "all"}, "checkpoints", "invalid"),
        ({"signature": "x"}, "signature", "unknown_field"),
    ],
)
def test_r_i4_a_malformed_checkpoint_document_is_400_naming_the_field(
    reference: Any, api: Callable[..., Any], change: dict[str, Any], field: str, code: str
) -> None:
    document: dict[str, Any] = {
        "format": "verbund-audit-checkpoints/1",
        "head": None,
        "checkpoints": [],
    }
    document.update(change)
    document = {k: v for k, v in document.items() if v is not None or k == "head"}
    before = AuditEvent.objects.count()
    answer = api("bfdi.supervisor").post(
        "/api/v1/audit/checkpoints/check/", document, format="json"
    )
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == code
    assert field in answer.json()["fields"]
    assert AuditEvent.objects.count() == before  # nothing logged for a refused document


@pytest.mark.django_db
def test_r_i4_the_export_holds_the_last_checkpoint_of_each_day(
    reference: Any, api: Callable[..., Any], time_machine: Any
) -> None:
    day = datetime.datetime(2027, 5, 3, 8, tzinfo=UTC)
    kept = []
    for hours in (0, 4, 24, 30):
        time_machine.move_to(day + datetime.timedelta(hours=hours), tick=False)
        log_event(actor=None, action=f"at.{hours}")
        anchor = checkpoint_write()
        assert anchor is not None
        if hours in (4, 30):
            kept.append((anchor.seq, anchor.hash))
    time_machine.move_to(day + datetime.timedelta(days=3), tick=False)
    document = _export(api)
    listed = [(cp["seq"], cp["hash"]) for cp in document["checkpoints"]]
    assert listed == [*kept, (document["head"]["seq"], document["head"]["hash"])]
    assert checkpoints_check(actor=None, document=document)["ok"] is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [("seq", 2**70), ("seq", 0), ("count", -1), ("count", 2**64), ("time", "nonsense")],
)
def test_r_i4_checkpoint_check_names_a_malformed_number_or_time(
    api: Callable[..., Any], make_record: Callable[..., Any], field: str, value: Any
) -> None:
    make_record("bka.analyst")
    document = _export(api)
    document["checkpoints"] = [{**document["head"], field: value}]
    before = AuditEvent.objects.count()
    answer = api("bfdi.supervisor").post(
        "/api/v1/audit/checkpoints/check/", document, format="json"
    )
    assert answer.status_code == 400, answer.content[:300]
    assert f"checkpoints[0].{field}" in answer.json()["fields"]
    assert AuditEvent.objects.count() == before  # nothing logged for a refused document
