"""Releases ("Freigabe") of records from a state system into GWS (R-M1, R-H1, R-M6).

The example delivery docs/examples/polas-bw.json (and .csv) has six valid persons and three
malformed rows; every row is entered through the normal entry rules, all or nothing.
"""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command

from agencies.models import Officer
from audit.models import AuditEvent
from verbund.models import EstablishmentOrder, NameKey, Record, Release
from verbund.models.files import EstablishmentOrderApproval
from verbund.search.keys import NAME, stored_key
from verbund.services import records as record_service
from verbund.services import releases as release_service
from verbund.services.legal_bases import stored_without_legal_basis
from verbund.services.releases import release_run

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE_JSON = ROOT / "docs" / "examples" / "polas-bw.json"
EXAMPLE_CSV = ROOT / "docs" / "examples" / "polas-bw.csv"
RELEASES = "/api/v1/state-systems/POLAS-BW/releases/"
VALID = [
    "BW-2025-0001",
    "BW-2025-0002",
    "BW-2025-0003",
    "BW-2025-0004",
    "BW-2024-0187",
    "BW-2026-0012",
]
BAD = {
    7: ("BW-2026-0031", "invalid_date", "basic.date_of_birth"),
    8: ("BW-2026-0032", "required", "basic.surname"),
    9: ("BW-2026-0033", "invalid_date", "incident.date"),
}


def row(reference: str, surname: str = "Freigabe", **overrides: Any) -> dict[str, Any]:
    """A valid release row."""
    data: dict[str, Any] = {
        "source_reference": reference,
        "basic": {"surname": surname, "given_names": "Test", "date_of_birth": "1990-01-01"},
        "reference": {"file_number": f"LKA-BW 431-{reference}"},
        "incident": {
            "date": "2025-10-04",
            "match": "Karlsruher SC – 1. FC Kaiserslautern",
            "clubs": ["Karlsruher SC", "1. FC Kaiserslautern"],
        },
    }
    data.update(overrides)
    return data


def stock() -> tuple[int, int, int, int]:
    """Records, name keys, releases and record log events: what a refused delivery leaves."""
    return (
        Record.objects.count(),
        NameKey.objects.count(),
        Release.objects.count(),
        AuditEvent.objects.filter(action="record.create").count(),
    )


def released(actor: Any, rows: Any, fmt: str = "json", **kwargs: Any) -> Release:
    return release_run(
        system_code="POLAS-BW", payload=rows, fmt=fmt, actor=actor, channel="api", **kwargs
    )


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("release_from_state", *args, stdout=out)
    return out.getvalue()


# ---------------------------------------------------------------------------- R-M1


def test_r_m1_example_file_imports_the_valid_rows_and_reports_the_bad_ones(
    reference: Any,
) -> None:
    output = run_command("--state", "BW", str(EXAMPLE_JSON))
    release = Release.objects.get()
    assert (release.rows, release.imported, release.rejected) == (9, 6, 3)
    assert [i["source_reference"] for i in release.report["imported"]] == VALID
    rejected = {r["row"]: r for r in release.report["rejected"]}
    for number, (ref, code, field) in BAD.items():
        assert rejected[number]["source_reference"] == ref
        assert rejected[number]["code"] == code
        assert field in rejected[number]["fields"], rejected[number]
        assert f"Zeile {number} {ref}: abgelehnt {code} ({field}:" in output
    assert "9 Zeilen, 6 übernommen, 3 abgelehnt" in output
    records = Record.objects.filter(source_system="POLAS-BW")
    assert sorted(records.values_list("source_reference", flat=True)) == sorted(VALID)
    # R-H1: the entering state police owns them; the command ran as its technical account.
    assert set(records.values_list("owner__code", flat=True)) == {"LKA-BW"}
    assert set(records.values_list("file__code", flat=True)) == {"GWS"}
    assert not records.filter(legacy=True).exists()
    technical = Officer.objects.get(username="polas-bw.freigabe")
    assert technical.agency is not None and technical.agency.code == "LKA-BW"
    assert technical.role == "analyst"
    assert not technical.has_usable_password()
    assert release.officer == technical and release.channel == "command"
    krämer = records.get(source_reference="BW-2025-0001")
    assert krämer.incident["match"] == "Karlsruher SC – 1. FC Kaiserslautern"
    assert krämer.incident["proceedings"]["status"] == "pending"
    event = AuditEvent.objects.get(action="release.run")
    assert event.details["rows"] == 9
    assert (event.details["imported"], event.details["rejected"]) == (6, 3)
    assert AuditEvent.objects.filter(action="record.create").count() == 6


def test_r_m1_csv_and_json_deliveries_release_the_same_rows(reference: Any, officer: Any) -> None:
    actor = officer("lka-bw.analyst")
    from_csv = released(actor, EXAMPLE_CSV.read_bytes(), fmt="csv")
    assert (from_csv.imported, from_csv.rejected) == (6, 3)
    assert [i["source_reference"] for i in from_csv.report["imported"]] == VALID
    assert {r["row"]: r["code"] for r in from_csv.report["rejected"]} == {
        n: code for n, (_ref, code, _field) in BAD.items()
    }
    yilmaz = Record.objects.get(source_reference="BW-2025-0002")
    assert yilmaz.basic["nationalities"] == ["DE", "TR"]
    assert yilmaz.incident["clubs"] == ["VfB Stuttgart", "Eintracht Frankfurt"]
    # The same rows again as JSON: each already released, no second record.
    from_json = released(actor, EXAMPLE_JSON.read_bytes())
    assert from_json.imported == 0
    again = {r["source_reference"]: r for r in from_json.report["rejected"]}
    for ref in VALID:
        assert again[ref]["code"] == "already_released"
        stored = Record.objects.get(source_reference=ref)
        assert again[ref]["record"] == str(stored.pk)
        assert str(stored.pk) in again[ref]["fields"]["source_reference"][0]
    assert Record.objects.filter(source_system="POLAS-BW").count() == 6


def test_r_m1_csv_with_semicolons_and_a_short_line(reference: Any, officer: Any) -> None:
    body = (
        "source_reference;surname;given_names;nationalities;file_number;incident_clubs\n"
        "BW-1;Semikolon;Sina;DE,TR;AZ-1;KSC\n"
        "BW-2;Kurz\n"
    )
    release = released(officer("lka-bw.analyst"), body, fmt="csv")
    assert release.imported == 1
    assert release.report["rejected"][0]["code"] == "invalid_row"
    assert release.report["rejected"][0]["row"] == 2


def test_r_m1_each_row_is_all_or_nothing(reference: Any, officer: Any, monkeypatch: Any) -> None:
    """A row failing at the last step (after its record, name keys and log were written)
    leaves nothing; the rows before and after it are imported."""
    original = record_service._log_record

    def fail_late(actor: Any, action: str, record: Any, details: Any) -> None:
        original(actor, action, record, details)
        if record.basic.get("surname") == "Spät":
            raise record_service.Invalid("Spät gescheitert.", code="late_failure")

    monkeypatch.setattr(record_service, "_log_record", fail_late)
    before = stock()
    release = released(
        officer("lka-bw.analyst"),
        [row("BW-A", "Früh"), row("BW-B", "Spät"), row("BW-C", "Danach")],
    )
    assert [i["source_reference"] for i in release.report["imported"]] == ["BW-A", "BW-C"]
    assert release.report["rejected"] == [
        {
            "row": 2,
            "source_reference": "BW-B",
            "code": "late_failure",
            "fields": {"row": ["Spät gescheitert."]},
        }
    ]
    assert not Record.objects.filter(source_reference="BW-B").exists()
    assert not NameKey.objects.filter(surname_key=stored_key(NAME, "Spät")).exists()
    after = stock()
    assert after[0] - before[0] == 2 and after[3] - before[3] == 2
    assert after[1] - before[1] == 2  # one name key per imported record


def test_r_m1_released_record_is_found_and_read_by_other_participants_owner_alone_changes(
    reference: Any, api: Any
) -> None:
    response = api("lka-bw.analyst").post(
        RELEASES, json.loads(EXAMPLE_JSON.read_text()), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["rows"], body["imported"], body["rejected"]) == (9, 6, 3)
    assert body["system"] == "POLAS-BW" and body["channel"] == "api"
    record_id = next(
        i["id"] for i in body["report"]["imported"] if i["source_reference"] == "BW-2025-0001"
    )
    # R-M1, R-M7: lka-by finds the person by name and reads the record, without a request.
    lka_by = api("lka-by.analyst")
    search = lka_by.post(
        "/api/v1/searches/",
        {
            "file": "GWS",
            "mode": "name",
            "purpose": "event_danger",
            "urgency": "routine",
            "criteria": {"surname": "Krämer"},
        },
        format="json",
    )
    assert search.status_code == 201, search.content
    assert [h["record"] for h in search.json()["hits"]] == [record_id]
    read = lka_by.get(f"/api/v1/records/{record_id}/")
    assert read.status_code == 200, read.content
    # R-H1: only the owner changes or deletes it.
    patch = lka_by.patch(
        f"/api/v1/records/{record_id}/", {"basic": {"given_names": "X"}}, format="json"
    )
    assert patch.status_code in (403, 404)
    delete = lka_by.delete(f"/api/v1/records/{record_id}/", {"reason": "Versuch"}, format="json")
    assert delete.status_code in (403, 404)
    assert Record.objects.get(pk=record_id).basic["given_names"] == "Tobias"
    owner = api("lka-bw.analyst").patch(
        f"/api/v1/records/{record_id}/", {"basic": {"given_names": "Tobias Karl"}}, format="json"
    )
    assert owner.status_code == 200, owner.content


def test_r_m1_duplicate_source_reference_gives_one_record(reference: Any, officer: Any) -> None:
    actor = officer("lka-bw.analyst")
    first = released(actor, [row("BW-DUP", "Doppelt"), row("BW-DUP", "Doppelt")])
    assert first.imported == 1
    stored = Record.objects.get(source_reference="BW-DUP")
    assert first.report["rejected"][0]["code"] == "already_released"
    assert first.report["rejected"][0]["record"] == str(stored.pk)
    second = released(actor, {"system": "POLAS-BW", "rows": [row("BW-DUP", "Doppelt")]})
    assert second.imported == 0 and second.report["rejected"][0]["record"] == str(stored.pk)
    assert Record.objects.filter(source_reference="BW-DUP").count() == 1


def test_r_m1_a_deleted_records_source_reference_does_not_come_back(
    reference: Any, officer: Any
) -> None:
    """A record deleted (here by its owner; likewise by the sweep or a court's order) is not
    entered again when the state system releases the same row once more (R-L2, R-K4)."""
    actor = officer("lka-bw.analyst")
    first = released(actor, [row("BW-GONE", "Gelöscht")])
    stored = Record.objects.get(source_reference="BW-GONE")
    assert first.imported == 1
    record_service.record_delete(
        actor=actor, record_id=stored.pk, reason="Gericht: Löschung angeordnet"
    )
    again = released(actor, [row("BW-GONE", "Gelöscht"), row("BW-NEW", "Neu")])
    assert again.imported == 1
    (refused,) = again.report["rejected"]
    assert refused["code"] == "released_and_deleted"
    assert refused["record"] == str(stored.pk)
    assert refused["fields"] == {"source_reference": [refused["fields"]["source_reference"][0]]}
    assert not Record.objects.filter(source_reference="BW-GONE").exists()


MALFORMED = [
    pytest.param("json", b'{"rows": [', "invalid_json", id="broken-json"),
    pytest.param("json", b"\xff\xfe{}", "invalid_encoding", id="not-utf8"),
    pytest.param("json", b"42", "invalid_document", id="not-object-or-list"),
    pytest.param("json", b'{"rows": {}}', "invalid_document", id="rows-not-list"),
    pytest.param("json", b'{"lines": []}', "unknown_field", id="unknown-document-key"),
    pytest.param("json", b'{"system": "POLAS-BY", "rows": []}', "system_mismatch", id="system"),
    pytest.param("json", b"[]", "no_rows", id="empty"),
    pytest.param("csv", b"surname,given_names\nX,Y\n", "missing_columns", id="missing-columns"),
    pytest.param(
        "csv",
        b"source_reference,surname,file_number,shoe_size\nA,B,C,44\n",
        "unknown_columns",
        id="unknown-columns",
    ),
    pytest.param("csv", b"", "missing_columns", id="no-header"),
    pytest.param(
        "csv",
        "source_reference,surname,file_number\nA,B,C\n".encode("utf-16"),
        "invalid_encoding",
        id="csv-utf16",
    ),
    pytest.param("xml", b"<rows/>", "invalid_format", id="format"),
]


@pytest.mark.parametrize(("fmt", "payload", "code"), MALFORMED)
def test_r_m1_malformed_delivery_is_400_and_stores_nothing(
    reference: Any, officer: Any, fmt: str, payload: bytes, code: str
) -> None:
    before = stock()
    with pytest.raises(release_service.Invalid) as refused:
        released(officer("lka-bw.analyst"), payload, fmt=fmt)
    assert refused.value.code == code
    assert stock() == before


def test_r_m1_too_large_delivery_is_400(reference: Any, officer: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(release_service, "MAX_ROWS", 2)
    before = stock()
    for payload, fmt in (
        ([row("A"), row("B"), row("C")], "json"),
        ("source_reference,surname,file_number\nA,B,C\nD,E,F\nG,H,I\n", "csv"),
    ):
        with pytest.raises(release_service.Invalid) as refused:
            released(officer("lka-bw.analyst"), payload, fmt=fmt)
        assert refused.value.code == "too_large"
    monkeypatch.setattr(release_service, "MAX_BYTES", 100)
    with pytest.raises(release_service.Invalid) as refused:
        released(officer("lka-bw.analyst"), b"[" + b" " * 200 + b"]")
    assert refused.value.code == "too_large"
    assert stock() == before


def test_r_m1_malformed_delivery_through_the_api_is_400(reference: Any, api: Any) -> None:
    client = api("lka-bw.analyst")
    before = stock()
    response = client.post(RELEASES, b"surname\nX\n", content_type="text/csv; charset=utf-8")
    assert response.status_code == 400 and response.json()["code"] == "missing_columns"
    response = client.post(RELEASES, b"{", content_type="application/json")
    assert response.status_code == 400
    for media_type in ("text/csv", "application/json"):
        response = client.post(RELEASES, b"", content_type=media_type)
        assert response.status_code == 400, (media_type, response.content)
    assert stock() == before


def test_r_m1_csv_through_the_api(reference: Any, api: Any) -> None:
    response = api("lka-bw.analyst").post(
        RELEASES, EXAMPLE_CSV.read_bytes(), content_type="text/csv"
    )
    assert response.status_code == 201, response.content
    assert response.json()["format"] == "csv" and response.json()["imported"] == 6


def _order_from_2004() -> None:
    """The establishment order existed before the ordinance (004): in force from 2004."""
    order = EstablishmentOrder.objects.get(file__code="GWS", version=1)
    order.effective_from = datetime.date(2004, 1, 1)
    order.save(update_fields=["effective_from"])
    EstablishmentOrderApproval.objects.filter(order=order).update(
        approved_on=datetime.date(2004, 1, 1)
    )


def test_r_m1_legacy_release_while_the_gate_is_closed(
    reference: Any, api: Any, tmp_path: Path
) -> None:
    _order_from_2004()
    delivery = tmp_path / "polas-2008.json"
    delivery.write_text(
        json.dumps(
            {
                "system": "POLAS-BW",
                "rows": [
                    row(
                        "BW-2007-0001",
                        "Altbestand",
                        incident={
                            "date": "2007-06-02",
                            "event": "Regionalliga Süd",
                            "match": "Karlsruher SC II – SSV Reutlingen 05",
                            "clubs": ["Karlsruher SC II", "SSV Reutlingen 05"],
                            "suspected_offence": "Landfriedensbruch (§ 125 StGB)",
                        },
                    )
                ],
            }
        )
    )
    with time_machine.travel(datetime.datetime(2008, 3, 1, 10, 0), tick=False):
        before = stock()
        # Without --legacy the gate refuses the whole delivery: nothing stored.
        with pytest.raises(CommandError, match="no_legal_basis"):
            run_command("--state", "BW", str(delivery))
        response = api("lka-bw.analyst").post(
            RELEASES, json.loads(delivery.read_text()), format="json"
        )
        assert response.status_code == 422 and response.json()["code"] == "no_legal_basis"
        assert stock() == before
        output = run_command("--state", "BW", "--legacy", str(delivery))
        assert "1 übernommen, 0 abgelehnt (Altbestand)" in output
        record = Record.objects.get(source_reference="BW-2007-0001")
        assert record.legacy and record.owner.code == "LKA-BW"
        assert stored_without_legal_basis(record)
        assert Release.objects.get().legacy
    # Every other rule still applies to legacy stock.
    with time_machine.travel(datetime.datetime(2008, 3, 1, 10, 0), tick=False):
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps([row("BW-2007-0002", basic={"given_names": "Ohne"})]))
        output = run_command("--state", "BW", "--legacy", str(bad))
        assert "abgelehnt required (basic.surname:" in output


def test_r_m1_legacy_is_refused_outside_the_command(reference: Any, officer: Any) -> None:
    with pytest.raises(release_service.Forbidden):
        released(officer("lka-bw.analyst"), [row("A")], legacy=True)
    assert not Release.objects.exists()


def test_r_m1_agency_not_entering_under_the_order_is_403(reference: Any, api: Any) -> None:
    order = EstablishmentOrder.objects.get(file__code="GWS", version=1)
    order.participants = {**order.participants, "enter": ["LKA-BY"]}
    order.save(update_fields=["participants"])
    response = api("lka-bw.analyst").post(RELEASES, [row("A")], format="json")
    assert response.status_code == 403 and response.json()["code"] == "not_participant"
    assert not Record.objects.filter(source_reference="A").exists()


def test_r_m1_only_the_systems_state_police_releases(reference: Any, api: Any) -> None:
    response = api("lka-by.analyst").post(RELEASES, [row("A")], format="json")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert not Release.objects.exists()


def test_r_m1_release_reads_are_the_agencys_own(reference: Any, api: Any) -> None:
    systems = api("lka-by.analyst").get("/api/v1/state-systems/")
    assert systems.status_code == 200
    assert systems.json() == [
        {
            "code": "POLAS-BW",
            "name": "POLAS Baden-Württemberg (Landesauskunftssystem)",
            "state": "BW",
            "agency": "LKA-BW",
            "file": "GWS",
        }
    ]
    made = api("lka-bw.analyst").post(RELEASES, [row("A")], format="json").json()
    own = api("lka-bw.head").get(RELEASES)
    assert own.status_code == 200
    assert [r["id"] for r in own.json()["results"]] == [made["id"]]
    assert api("lka-by.analyst").get(RELEASES).json()["results"] == []
    # The subject desk of the same agency is no officer of the file: the reports name
    # records and source ids (R-A4).
    from subjects.catalogue import subject_desks_ensure
    from tests.conftest import PASSWORD

    subject_desks_ensure(PASSWORD)
    assert api("lka-bw.auskunft").get(RELEASES).json()["results"] == []
    assert api("lka-bw.auskunft").get(f"/api/v1/releases/{made['id']}/").status_code == 404
    assert api("lka-bw.head").get(f"/api/v1/releases/{made['id']}/").json() == made
    assert api("lka-by.analyst").get(f"/api/v1/releases/{made['id']}/").status_code == 404
    assert api("lka-bw.head").get("/api/v1/releases/nope/").status_code == 404
    assert api("lka-bw.head").get("/api/v1/state-systems/POLAS-XX/releases/").status_code == 404
    assert api("lka-bw.head").get(RELEASES + "?system=x").status_code == 400


def test_r_m1_command_refuses_what_cannot_run(reference: Any, tmp_path: Path) -> None:
    # The command speaks German (the project's default language).
    with pytest.raises(CommandError, match="XX"):
        run_command("--state", "XX", str(EXAMPLE_JSON))
    with pytest.raises(CommandError, match="missing.json ist nicht lesbar"):
        run_command("--state", "BW", str(tmp_path / "missing.json"))
    broken = tmp_path / "broken.csv"
    broken.write_text("surname\nX\n")
    with pytest.raises(CommandError, match="missing_columns"):
        run_command("--state", "BW", str(broken))
    with pytest.raises(CommandError, match="unbekannte oder inaktive Kennung"):
        run_command("--state", "BW", "--officer", "nobody", str(EXAMPLE_JSON))
    assert not Release.objects.exists() and not Record.objects.filter(source_system="POLAS-BW")
    output = run_command("--state", "bw", "--officer", "lka-bw.head", str(EXAMPLE_CSV))
    assert "6 übernommen, 3 abgelehnt" in output
    assert Release.objects.filter(officer__username="lka-bw.head").count() == 1


# ---------------------------------------------------------------------------- R-M6


@pytest.mark.parametrize("username", ["bfv.analyst", "lfv-bw.analyst", "lfv-bw.head"])
def test_r_m6_intelligence_services_cannot_release(reference: Any, api: Any, username: str) -> None:
    before = stock()
    response = api(username).post(RELEASES, [row("BW-NDx")], format="json")
    assert response.status_code == 403, response.content
    with pytest.raises(CommandError):
        run_command("--state", "BW", "--officer", username, str(EXAMPLE_JSON))
    assert stock() == before


def test_r_m1_a_release_cut_short_stays_on_record_with_what_it_entered(
    reference: Any, officer: Any, monkeypatch: Any
) -> None:
    """The release is written and logged before its first row: when the process dies in
    the middle, the delivery shows as unfinished with the records it entered (R-M1, R-I1)."""
    actor = officer("lka-bw.analyst")
    original = release_service._release_row
    calls = {"n": 0}

    def dying(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the worker is killed while the third row runs
        return original(**kwargs)

    monkeypatch.setattr(release_service, "_release_row", dying)
    with pytest.raises(KeyboardInterrupt):
        released(actor, [row("CUT-1", "Erste"), row("CUT-2", "Zweite"), row("CUT-3", "Dritte")])
    release = Release.objects.get()
    assert release.finished_at is None and release.rows == 3
    shown = release_service.release_data(release)
    assert shown["finished"] is False and shown["imported"] == 2
    assert AuditEvent.objects.filter(action="release.start", object_id=str(release.pk)).exists()
    assert not AuditEvent.objects.filter(action="release.run").exists()
    assert Record.objects.filter(source_reference__startswith="CUT-").count() == 2
    # A finished release says so.
    monkeypatch.setattr(release_service, "_release_row", original)
    done = released(actor, [row("CUT-3", "Dritte")])
    assert done.finished_at is not None and release_service.release_data(done)["finished"]
