"""Case 004 replayed: VG Karlsruhe, judgment of 14 April 2010, 3 K 2309/09 (issue 18 item 9).

The claimant was taken into custody before the regional league match KSC II v SSV Reutlingen
on 2 June 2007; the police station Karlsruhe-Marktplatz stored his data in POLAS-BW, which
released them to GWS. The prosecution for breach of the peace was discontinued under
§ 170(2) StPO on 7 February 2008. On his way to the Euro 2008 quarter-final in Basel the
Swiss border authorities refused him entry; the federal police imposed an exit ban from 20
to 30 June 2008 (the judgment's dates). His letters of 20 January and 9 March 2009 were
answered on 28 April 2009: access granted, deletion refused (suspicion and risk of
repetition); his objection of 18 May 2009 was rejected on 19 August 2009; his action of 14
September 2009 led to the judgment ordering deletion for lack of the ordinance § 7(6) BKAG
requires. The BKA-Daten-Verordnung entered into force on 4 June 2010: from that day, and
not before, records stored earlier no longer count as stored without a legal basis (R-M5;
BVerwG 6 C 5.09). Foreign access, which the claimant alleged, is not modelled.

Every step runs at its historical date (time_machine) through the services and the API the
officers use. Requirements: R-M1, R-M2, R-M3, R-M4, R-M5, R-M7, R-K4, R-K5, R-L2, R-L5.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import time_machine

from agencies.models import Officer
from audit.models import AuditEvent
from subjects import services as subjects
from subjects.catalogue import subject_desks_ensure
from subjects.models import Challenge, Consultation, Decision, SubjectRequest
from tests.conftest import PASSWORD
from verbund.errors import Refused
from verbund.models import InboxItem, Record, StateSystem
from verbund.models.inbox import InboxKind
from verbund.services.deadlines import deadlines_enforce
from verbund.services.legal_bases import stored_without_legal_basis
from verbund.services.releases import release_run, technical_officer

CLAIMANT = {
    "surname": "Steiner",
    "given_names": "Jonas",
    "date_of_birth": "1984-05-12",
    "sex": "m",
    "place_of_birth": "Karlsruhe",
    "nationalities": ["DE"],
}
OTHER = {"surname": "Vogelsang", "given_names": "Marco", "date_of_birth": "1986-11-03"}
INCIDENT = {
    "date": "2007-06-02",
    "event": "Regionalliga Süd",
    "venue": "Wildparkstadion, Karlsruhe",
    "match": "Karlsruher SC II – SSV Reutlingen",
    "clubs": ["Karlsruher SC II", "SSV Reutlingen"],
    "report_reference": "PR Karlsruhe-Marktplatz 2007-0602",
    "suspected_offence": "Landfriedensbruch (§ 125 StGB)",
    "description": "Auseinandersetzung rivalisierender Fangruppen vor dem Spiel; 40 Personen "
    "in Polizeigewahrsam genommen, darunter der Betroffene.",
    "proceedings": {"authority": "Staatsanwaltschaft Karlsruhe", "status": "pending"},
}


@contextmanager
def on(day: str) -> Iterator[None]:
    """Travel to 10:00 UTC of ``day`` (ISO date); the clock stands still there."""
    moment = datetime.datetime.fromisoformat(f"{day}T10:00:00+00:00")
    with time_machine.travel(moment, tick=False):
        yield


def row(source: str, basic: dict[str, Any], number: str) -> dict[str, Any]:
    """One POLAS-BW row as the state system releases it (docs/gws.md)."""
    return {
        "source_reference": source,
        "basic": dict(basic),
        "reference": {"file_number": number},
        "incident": dict(INCIDENT),
    }


def gws_search(api: Any, username: str, surname: str) -> Any:
    return api(username).post(
        "/api/v1/searches/",
        {
            "file": "GWS",
            "mode": "name",
            "purpose": "event_danger",
            "urgency": "routine",
            "criteria": {"surname": surname},
        },
        format="json",
    )


def review_of(record: Record) -> InboxItem | None:
    return InboxItem.objects.filter(
        record=record, kind=InboxKind.REVIEW_DUE, done_at__isnull=True
    ).first()


def causes(item: InboxItem | None) -> set[str]:
    return {c["cause"] for c in (item.payload.get("causes", []) if item else [])}


def test_r_m5_case_004_from_custody_to_the_court_ordered_deletion_and_the_ordinance(
    api: Any, reference: Any
) -> None:
    subject_desks_ensure(PASSWORD)  # the agencies' own subject desks (R-K2, R-K4)
    system = StateSystem.objects.get(code="POLAS-BW")
    desk = Officer.objects.get(username="lka-bw.auskunft")
    owner = Officer.objects.get(username="lka-bw.analyst")
    lka = api("lka-bw.analyst")

    # --- 20 June 2007: POLAS-BW releases the custody data to GWS ("Freigabe", R-M1).
    with on("2007-06-20"):
        machine = technical_officer(system)
        rows = [
            row("BW-2007-0602-17", CLAIMANT, "PR KA-Marktplatz 2007/0602-17"),
            row("BW-2007-0602-23", OTHER, "PR KA-Marktplatz 2007/0602-23"),
        ]
        # R-A3: GWS rests on its establishment order alone; no ordinance under § 7(6)
        # BKAG is in force, so the file takes no entries ...
        with pytest.raises(Refused) as refused:
            release_run(
                system_code="POLAS-BW", payload=rows, fmt="json", actor=machine, channel="command"
            )
        assert refused.value.code == "no_legal_basis"
        assert not Record.objects.filter(file__code="GWS").exists()
        # ... so the data enter as the stock the practice stored (legacy), flagged (R-M5).
        release = release_run(
            system_code="POLAS-BW",
            payload=rows,
            fmt="json",
            actor=machine,
            channel="command",
            legacy=True,
        )
        assert (release.imported, release.rejected) == (2, 0)
        record = Record.objects.get(source_reference="BW-2007-0602-17")
        other = Record.objects.get(source_reference="BW-2007-0602-23")
        assert record.owner.code == "LKA-BW" and record.legacy  # R-H1: the entering LKA
        assert record.incident["match"] == "Karlsruher SC II – SSV Reutlingen"  # R-M2
        assert stored_without_legal_basis(record) and stored_without_legal_basis(other)
        # R-M7: another state's police retrieves directly, without a request.
        found = gws_search(api, "lka-by.analyst", "Steiner")
        assert found.status_code == 201, found.content
        (hit,) = found.json()["hits"]
        assert hit["record"] == str(record.pk) and hit["reference"]["agency"] == "LKA-BW"
        read = api("lka-by.analyst").get(f"/api/v1/records/{record.pk}/")
        assert read.status_code == 200 and read.json()["basic"]["surname"] == "Steiner"
        # R-M6: no intelligence service.
        assert gws_search(api, "bfv.analyst", "Steiner").status_code == 403
        assert api("lfv-bw.analyst").get(f"/api/v1/records/{record.pk}/").status_code == 404

    # --- 21 June 2007: the daily sweep opens the deletion duty (R-L2, R-M5).
    with on("2007-06-21"):
        deadlines_enforce()
        assert causes(review_of(record)) == {"no_legal_basis"}
        assert causes(review_of(other)) == {"no_legal_basis"}

    # --- 7 February 2008: the prosecutor discontinues under § 170(2) StPO (R-M4).
    with on("2008-02-11"):
        report = lka.post(
            f"/api/v1/records/{record.pk}/justice-decisions/",
            {
                "kind": "discontinuation",
                "final": True,
                "provision": "§ 170 Abs. 2 StPO",
                "decided_on": "2008-02-07",
                "reasons": "Kein hinreichender Tatverdacht des Landfriedensbruchs.",
            },
            format="json",
        )
        assert report.status_code == 201, report.content
        # It lands in the owner's inbox as a review and deletes nothing by itself.
        assert causes(review_of(record)) == {"no_legal_basis", "justice_decision"}
        assert Record.objects.filter(pk=record.pk).exists()
        kept = lka.post(
            f"/api/v1/records/{record.pk}/review/",
            {
                "outcome": "keep",
                "reasons": "Restverdacht des Landfriedensbruchs; Wiederholungsgefahr, der "
                "Betroffene ist den gewaltbereiten Fans zuzurechnen.",
                "review_date": "2009-02-07",
            },
            format="json",
        )
        assert kept.status_code == 200, kept.content
        assert review_of(record) is None
        changed = lka.patch(
            f"/api/v1/records/{record.pk}/",
            {"incident": {"proceedings": {"status": "discontinued"}}},
            format="json",
        )
        assert changed.status_code == 200, changed.content

    # --- June 2008: Swiss entry refusal (Euro 2008, Basel) and the exit ban (R-M3).
    with on("2008-06-20"):
        measures = [
            {
                "kind": "entry_refused",
                "from": "2008-06-20",
                "country": "CH",
                "authority": "Schweizerische Grenzbehörden",
                "note": "Viertelfinale der Fußball-Europameisterschaft 2008 in Basel",
            },
            {
                "kind": "exit_ban",
                "from": "2008-06-20",
                "until": "2008-06-30",
                "authority": "Bundespolizei",
            },
        ]
        noted = lka.patch(
            f"/api/v1/records/{record.pk}/", {"incident": {"measures": measures}}, format="json"
        )
        assert noted.status_code == 200, noted.content
        seen = api("lka-by.analyst").get(f"/api/v1/records/{record.pk}/").json()
        assert [m["kind"] for m in seen["incident"]["measures"]] == ["entry_refused", "exit_ban"]
        assert seen["incident"]["proceedings"]["status"] == "discontinued"
        # Only the owner notes or changes anything (R-H1).
        foreign = api("lka-by.analyst").patch(
            f"/api/v1/records/{record.pk}/", {"incident": {"measures": []}}, format="json"
        )
        assert foreign.status_code in (403, 404)

    # --- Letters of 20 January and 9 March 2009, read as access and deletion (R-K4).
    with on("2009-03-09"):
        request = subjects.subject_request_create(
            actor=desk,
            data={
                "applicant": {k: CLAIMANT[k] for k in ("surname", "given_names", "date_of_birth")},
                "asks": ["access", "deletion"],
                "concrete_matter": "Schreiben vom 20.01.2009 und 09.03.2009: Auskunft über die "
                "Speicherung in der Datei Gewalttäter Sport; als Antrag auf Auskunft und "
                "Löschung behandelt.",
            },
        )
        consultation = request.consultations.get()
        assert consultation.record_id == record.pk and consultation.owner.code == "LKA-BW"
    with on("2009-04-28"):
        subjects.consultation_decide(
            actor=owner,
            consultation_id=consultation.pk,
            data={"ask": "access", "outcome": "agree"},
        )
        subjects.consultation_decide(
            actor=owner,
            consultation_id=consultation.pk,
            data={
                "ask": "deletion",
                "outcome": "refuse",
                "reasons": "Tatverdacht und Wiederholungsgefahr bestehen fort.",
            },
        )
        subjects.subject_request_answer(actor=desk, request_id=request.pk)
    with on("2009-05-18"):
        objection = subjects.subject_request_challenge(
            actor=desk,
            request_id=request.pk,
            data={
                "kind": "objection",
                "consultation": str(consultation.pk),
                "text": "Widerspruch gegen den Bescheid vom 28.04.2009.",
            },
        )
    with on("2009-08-19"):
        subjects.challenge_decide(
            actor=owner,
            challenge_id=objection.pk,
            data={
                "outcome": "rejected",
                "reasons": "Restverdacht des Landfriedensbruchs; Kontakt zur Szene aggressiver "
                "Karlsruher Fußballfans.",
            },
        )
    with on("2009-09-14"):
        action = subjects.subject_request_challenge(
            actor=desk,
            request_id=request.pk,
            data={
                "kind": "court_action",
                "consultation": str(consultation.pk),
                "text": "Klage auf Löschung der Daten aus der Datei Gewalttäter Sport.",
            },
        )
    assert Record.objects.filter(pk=record.pk).exists()

    # --- 14 April 2010: VG Karlsruhe orders deletion for lack of the ordinance (R-M5).
    with on("2010-04-14"):
        assert stored_without_legal_basis(record)
        subjects.challenge_ruling_record(
            actor=desk,
            challenge_id=action.pk,
            data={
                "court": "Verwaltungsgericht Karlsruhe",
                "file_number": "3 K 2309/09",
                "date": "2010-04-14",
                "outcome": "deletion_ordered",
                "deletion_ground": "no_legal_basis",
                "reasons": "Die nach § 7 Abs. 6 BKAG erforderliche Rechtsverordnung fehlt.",
            },
        )
    record_id = str(record.pk)
    assert not Record.objects.filter(pk=record_id).exists()
    # R-L5: the log rows and the recorded decisions stay, so the supervisor can check.
    assert Decision.objects.get(consultation=consultation, ask="deletion").outcome == "refuse"
    assert Challenge.objects.get(pk=objection.pk).outcome == "rejected"
    assert Consultation.objects.get(pk=consultation.pk).file_number == record.file_number
    deleted = AuditEvent.objects.get(action="record.delete", object_id=record_id)
    assert deleted.details.get("ground") == "no_legal_basis" or "no_legal_basis" in str(
        deleted.details
    )
    seen_by_supervisor = api("lfd-bw.supervisor").get(f"/api/v1/audit/events/?record={record_id}")
    assert seen_by_supervisor.status_code == 200
    logged = {e["action"] for e in seen_by_supervisor.json()["results"]}
    assert {"record.create", "record.update", "record.delete"} <= logged
    # R-K5: nobody was told unasked; the only request is the claimant's own.
    assert SubjectRequest.objects.count() == 1

    # --- 4 June 2010: the BKA-Daten-Verordnung enters into force; not retroactively.
    with on("2010-06-03"):
        assert stored_without_legal_basis(other)
    with on("2010-06-04"):
        assert not stored_without_legal_basis(other)
        deadlines_enforce()
        # The deletion duty on that ground lapses from this day; nothing is deleted.
        assert review_of(other) is None
        assert Record.objects.filter(pk=other.pk).exists()
        assert AuditEvent.objects.filter(
            action="record.review_cause_lapsed", object_id=str(other.pk)
        ).exists()
