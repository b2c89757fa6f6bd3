"""schemathesis against a live server: the served schema is what the server answers (issue 14).

What runs: ``schemathesis run`` (the pinned CLI, as a subprocess) over every operation of
``/api/v1/schema/`` as served by gunicorn, with the checks ``not_a_server_error``,
``status_code_conformance``, ``response_schema_conformance``,
``content_type_conformance`` and ``response_headers_conformance``. The test fails on any
failure and shows schemathesis's own report; it also fails when an operation of the schema
was not exercised.

The live server is ``scripts/serve.sh`` (gunicorn, the command ``make run`` starts) on a free
port against the test database, as in tests/verbund/test_serving.py, rather than
pytest-django's ``live_server``: the server under test is the production WSGI stack
(gunicorn's gthread worker, its own process and database connections, no ``Server``
header), and it does not share this process's interpreter lock with the test while
schemathesis hammers it. The database is ``transactional_db`` (committed data, so the
server's connections see it; flushed after the test).

Data: reference data and the demo officers (``tests/conftest.py``), then real objects made
through the services: BKA records (open with extended data and a contact person, open of
case group 2 with a partial birth date, restricted, covert with a marking, an object
record), another agency's record and search, name/feature/object searches, covert hits with
their inbox items, correction notices about a BKA record and a catalogue version.
Their ids are fuzz dictionaries of the path parameters ``record_id``, ``search_id``,
``covert_hit_id``, ``item_id`` and ``transfer_id`` (``[parameters]`` of the
generated ``schemathesis.toml``; half of the fuzzing and stateful cases draw a real id, half
a generated one), so the operations answer 200s, not only 404s. PATCH, block and DELETE
each get records of their own (``PATH_IDS``), so the run does not change, freeze or delete
the records the reads use; DELETE also does not reuse ids seen in answers
(``OWN_IDS_ONLY``). The coverage phase ignores dictionaries: a ``map_case`` hook gives its
cases a real id (see schemathesis_hooks.py). A last dictionary mixes valid edge values into
the audit log's ``since``/``until`` (``EDGE_VALUES``): a wider exploratory run (other seed,
100 examples) found a 500 there that 30 examples of this seed miss.

Authentication (tests/verbund/api/schemathesis_hooks.py): the officer ``bka.head`` (owner of
the records, may publish catalogues, decides covert hits), token from
``POST /api/v1/auth/token/``; the audit operations as ``bfdi.supervisor``; each
``DELETE /api/v1/auth/token/`` case with a spare token of its own, since it revokes it.

What the run itself trips, and why it stays within the contract: the login endpoint's
throttle (30/min per client, per server process) and django-axes' lockout (per username and
address: generated usernames, never the officers') answer 429, which the schema documents;
the officers log in before the run. The login's 200 is therefore the one answer the run
does not check: generated credentials are wrong, and real ones (tried through a fuzz
dictionary) only met the throttle, whose window the coverage phase's login cases spend.
The per-officer search rate limit of the establishment order (30/min) answers 429 too
(documented); the searches whose ids are used are made through the service, not the API.

Bound: a fixed seed, no example database, ``max-examples`` per operation: the same cases on
every run (up to the order two workers interleave). The coverage phase generates every case
the schema defines, except for POST and PATCH of records (``FUZZED_ONLY``: large body
schemas, well over a thousand coverage cases) which are only fuzzed.
Measured on this two-core machine while other test suites ran on it (load 4-7): the whole
test (data, server start, run) 81-101 s, schemathesis 62-80 s, about 45-48 s of CPU in all
(test, server, schemathesis). ``TIMEOUT`` stops a run that would not end within the three
minutes.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from knox.models import AuthToken

from agencies.models import Officer
from agencies.services import demo_officers
from subjects.models import Consultation
from tests.conftest import PASSWORD, person_payload
from tests.servers import database_url_for_server, free_port, wait_until_answering
from verbund.models import CovertHit, Hit
from verbund.services.catalogue import catalogue_publish
from verbund.services.emergencies import emergency_access_create, emergency_consent_decide
from verbund.services.records import correction_notice_create, record_block, record_create
from verbund.services.reference import reference_data_ensure
from verbund.services.requests import access_request_create
from verbund.services.searches import covert_hits_deliver, search_run
from verbund.services.transfers import transfer_create

ROOT = Path(__file__).resolve().parents[3]
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")

OFFICER = "bka.head"
# The BKA's subject desk: the /subject-requests/ operations run as it (issue 17).
DESK = "bka.auskunft"
SUPERVISOR = "bfdi.supervisor"
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "response_schema_conformance",
    "content_type_conformance",
    "response_headers_conformance",
]
SEED = 14
PHASES = ["examples", "coverage", "fuzzing", "stateful"]
# Cases per operation (fuzzing) and scenarios (stateful); the coverage phase generates every
# case the schema defines. POST and PATCH of records are only fuzzed: the coverage phase
# made well over a thousand cases of their large body schemas (positive ones alone), about
# half of the run's requests, and nearly all answered 400.
MAX_EXAMPLES = 30
FUZZED_ONLY = [
    "POST /api/v1/records/",
    "PATCH /api/v1/records/{record_id}/",
    # Issue 18, gws-release: a release's coverage cases would include 10,000 valid rows
    # (maxItems), each entered as a record.
    "POST /api/v1/state-systems/{code}/releases/",
]
# gunicorn processes, and schemathesis's concurrent workers.
WEB_WORKERS = 2
WORKERS = 2
# Hard stop of the schemathesis subprocess (measured alone: 62-80 s before issue 15, 81 s
# after it with its 13 new operations; 93-126 s beside other suites on these 2 cores).
TIMEOUT = 300
# Operations without a path id that must answer a 2xx at least once (see the test's end).
SUCCESS_REQUIRED = [
    "GET /api/v1/audit/events/",
    "GET /api/v1/audit/verify/",
    "GET /api/v1/supervision/overdue/",
    "DELETE /api/v1/auth/token/",
]
# Spare tokens for DELETE /auth/token/ (one each); more cases than that log in again.
SPARE_TOKENS = 400


# ---------------------------------------------------------------------------- data


def _officer(username: str) -> Officer:
    return Officer.objects.get(username=username)


DECISION = {
    "decided_by": "bka.head",
    "reasons": "Quellenschutz: besondere Geheimhaltungsinteressen (R-D4).",
}
EXTENDED = {
    "phones": ["+49 30 1234567"],
    "skills": ["explosives"],
    "religion": "islam_sunni",
    "religion_reason": "Zur Identifizierung im Einzelfall erforderlich.",
    "contact_persons": [{"surname": "Kontakt", "given_names": "Karl"}],
}


def _records(actor: Officer, tag: str) -> list[str]:
    """Create one record of each kind the answers differ by; return their ids.

    An open person with extended data and a contact person, an open person of case group 2
    with a partial birth date, a restricted one, a covert one (marking ``art10``) and an
    object record linked to the first.
    """

    def person(**overrides: Any) -> str:
        return str(record_create(actor=actor, data=person_payload(**overrides)).pk)

    first = person(extended=EXTENDED)
    obj = record_create(
        actor=actor,
        data={
            "file": "ATD",
            "kind": "phone",
            "storage": "open",
            "findings_basis": "Auswertung im Verfahren 2 BJs 1/26",
            "object": {"identifier": f"+49 40 76543{len(tag):02d}", "description": "Prepaid"},
            "linked_person": first,
            "reference": {"file_number": f"ST-OBJ-{tag}", "classification": "VS-NfD"},
        },
    )
    return [
        first,
        person(
            case_group="2",
            basic={"surname": "Teilweise", "given_names": "Paul", "date_of_birth": "1980-05"},
        ),
        person(
            storage="restricted",
            storage_decision=DECISION,
            basic={"surname": "Beschraenkt", "given_names": "Rita", "date_of_birth": "1980"},
        ),
        person(
            storage="covert",
            storage_decision=DECISION,
            markings=["art10"],
            basic={"surname": "Verdeckt", "given_names": "Vera", "date_of_birth": "1975-07-07"},
        ),
        str(obj.pk),
    ]


def _search(username: str, mode: str, criteria: dict[str, Any]) -> str:
    found = search_run(
        actor=_officer(username),
        file="ATD",
        mode=mode,
        purpose="ct_task",
        urgency="routine",
        criteria=criteria,
    )
    return str(found.pk)


def _eilfall(username: str, head: str, owner: str, surname: str) -> str:
    """Take an Eilfall as ``username`` (decided by ``head``) on a new record of ``owner``
    (one Eilfall per record and agency, R-G3: each on a record of its own)."""
    basic = {"surname": surname, "given_names": "Emil", "date_of_birth": "1980-02-02"}
    record_create(actor=_officer(f"{owner.lower()}.analyst"), data=person_payload(basic=basic))
    search = _search(username, "name", {"surname": surname})
    hit = Hit.objects.filter(
        search_id=search, record__owner__code=owner, record__storage="open"
    ).first()
    assert hit is not None
    ea, _shown = emergency_access_create(
        actor=_officer(username),
        hit=str(hit.pk),
        danger="life",
        facts="Anschlag angekündigt.",
        why_no_request="Ein Ersuchen käme zu spät.",
        decided_by=head,
    )
    return str(ea.pk)


def seed() -> dict[str, list[str]]:
    """Create the objects whose ids the run uses; return the ids per dictionary.

    The records belong to the BKA (created by ``bka.analyst``, read and changed by the
    officer ``bka.head``); each dictionary has its own records, so that deleting, blocking
    or patching one does not take away what the others read. One record and one search of
    other agencies are in the dictionaries too: real ids the officer may not know (404).
    """
    reference_data_ensure()
    demo_officers(PASSWORD)
    bka = _officer("bka.analyst")
    foreign_record = str(record_create(actor=_officer("bfv.analyst"), data=person_payload()).pk)
    ids = {
        "records": [*_records(bka, "read"), foreign_record],
        "patchable_records": [*_records(bka, "patch"), foreign_record],
        "blockable_records": [*_records(bka, "block"), *_records(bka, "block2")],
        "deletable_records": [*_records(bka, "delete"), *_records(bka, "delete2")],
        "searches": [
            _search(OFFICER, "name", {"surname": "Al-Masri"}),
            _search(OFFICER, "feature", {"skills": "explosives"}),
            _search(OFFICER, "object", {"kind": "phone", "identifier": "+49 40 7654304"}),
            _search("lka-sn.analyst", "name", {"surname": "Al-Masri"}),
        ],
    }
    # Lifecycle (issue 16): records to decide reviews on (a decision may delete them), and
    # blocked records whose data the owner uses on a named ground (R-L3, R-L4).
    ids["reviewable_records"] = [*_records(bka, "review"), *_records(bka, "review2")]
    ids["blocked_records"] = _records(bka, "blocked")
    for pk in ids["blocked_records"]:
        record_block(actor=bka, record_id=pk, reason="Schutzwürdige Interessen.")
    # Other agencies' searches match the BKA's covert records: covert hits for the BKA,
    # each with its inbox item; the first decision on each answers 200, later ones 409.
    for username in ("lka-sn.analyst", "lka-by.analyst", "bpol.analyst", "zka.analyst"):
        covert_hits_deliver(search_id=_search(username, "name", {"surname": "Verdeckt"}))
    ids["covert_hits"] = [str(pk) for pk in CovertHit.objects.values_list("pk", flat=True)]
    # Correction notices in the BKA's inbox about a BKA record (sent by a BKA officer: the
    # officer of the run is a BKA one, and the BKA enters into no file another agency reads
    # directly); the first decision on each answers 200, later ones 409 (R-H2).
    noticed = record_create(actor=bka, data=person_payload()).pk
    ids["correction_notices"] = [
        str(correction_notice_create(actor=bka, record_id=noticed, text=f"Prüfen ({n}).").pk)
        for n in range(4)
    ]
    # Transfers the BKA sent and received (R-F3): readable by the officer of the run.
    lka_bw = _officer("lka-bw.analyst")
    ids["transfers"] = [
        str(
            transfer_create(
                actor=sender,
                record_id=record_create(actor=sender, data=person_payload()).pk,
                recipient={"agency": recipient},
                provision="§ 25 Abs. 1 BKAG",
                items=["basic", "reference"],
                purpose="schemathesis",
            ).pk
        )
        for sender, recipient in ((bka, "LKA-BY"), (lka_bw, "BKA"))
    ]
    # Eilfälle (R-G3): on BKA records, consent pending (the first decision on each answers
    # 200, later ones 409); taken by the BKA on a BfV record and refused (the first duty
    # closing answers 200, later ones 409).
    ids["eilfaelle_owned"] = [
        _eilfall("lka-bw.analyst", "lka-bw.head", "BKA", surname)
        for surname in ("Anders", "Berger", "Conrad", "Dietz")
    ]
    refused = [
        _eilfall("bka.analyst", "bka.head", "BFV", surname)
        for surname in ("Ebert", "Fink", "Graf", "Hahn")
    ]
    for pk in refused:
        emergency_consent_decide(
            actor=_officer("bfv.analyst"), emergency_id=pk, grant=False, reasons="Nein."
        )
    ids["eilfaelle_refused"] = refused
    # Requests of other agencies for the extended data of a BKA record, pending in the BKA's
    # inbox; the first decision on each answers 200, later ones 409 (R-F1).
    ids["access_requests"] = []
    for username in ("lka-sn.analyst", "lka-by.analyst", "bpol.analyst", "bfv.analyst"):
        searched = _search(username, "name", {"surname": "Al-Masri"})
        hit = Hit.objects.filter(search_id=searched, record__owner__code="BKA").first()
        assert hit is not None
        made = access_request_create(
            actor=_officer(username), hit=hit.pk, justification="Abgleich im Verfahren."
        )
        ids["access_requests"].append(str(made.pk))
    # A catalogue version published by an officer (published_by set; the seeded ones have none).
    catalogue_publish(
        actor=_officer(OFFICER),
        field="device_types",
        valid_from=timezone.localdate(),
        values=[{"code": "st_probe", "label_de": "Sonde", "label_en": "Probe"}],
        note="schemathesis",
    )
    # Subject access (issue 17, subjects branch).
    ids.update(_subject_requests())
    ids.update(_supervision())
    ids.update(_releases())
    # Issue 20, intlreg: the partner registry and the BKA's foreign requests.
    ids.update(_international())
    # Issue 20, intlts: originator markings.
    ids.update(_originator_markings())
    # Issue 20, intltr: transfers abroad.
    ids.update(_transfers_abroad())
    # International exchange (issue 20, intlrn branch).
    ids.update(_red_notices())
    return ids


def _international() -> dict[str, list[str]]:
    """Partner codes, and foreign requests recorded by the BKA (readable by the officer)."""
    from international.models import Partner
    from international.services.partners import partner_request_create

    bka = _officer("bka.analyst")
    made = [
        partner_request_create(
            actor=bka,
            data={
                "partner": "us-ice",
                "received_on": str(timezone.localdate()),
                "topic": "schemathesis",
                "subject": f"Ersuchen {n}",
            },
        )
        for n in range(2)
    ]
    return {
        "partners": list(Partner.objects.order_by("code").values_list("code", flat=True)),
        "partner_requests": [str(row.pk) for row in made],
    }


# Originator markings (issue 20, intlts: R-N3): a BKA record with two third-party-rule
# markings (releases answer 201) and one comprehensive restriction (422); the partner the
# schema's example names.
def _originator_markings() -> dict[str, list[str]]:
    from international.models import Partner, PartnerKind
    from international.services.originator import marking_create

    Partner.objects.get_or_create(
        code="dhs",
        defaults={"name": "Department of Homeland Security", "kind": PartnerKind.FOREIGN_AGENCY},
    )
    bka = _officer("bka.analyst")
    basic = {"surname": "Herkunft", "given_names": "Hanna", "date_of_birth": "1981-01-01"}
    record = record_create(actor=bka, data=person_payload(basic=basic, extended=EXTENDED))
    markings = [
        marking_create(
            actor=bka,
            record_id=record.pk,
            data={"partner": "dhs", "kind": kind, "items": items},
        )
        for kind, items in (
            ("third_party_rule", ["phones"]),
            ("third_party_rule", ["basic"]),
            ("comprehensive_restriction", ["skills"]),
        )
    ]
    return {
        "marked_records": [str(record.pk)],
        "originator_markings": [str(m.pk) for m in markings],
    }


def _transfers_abroad() -> dict[str, list[str]]:
    """Transfers abroad (issue 20, intltr): LKA-BW's on BKA records wait for the BKA's
    consent; the BKA's own wait for its head's approval, or are approved and wait to be
    recorded as sent. The first step on each answers 200, later ones 409."""
    from international.models import LegalBasis, Partner
    from international.services.transfers import (
        transfer_approve,
        transfer_submit,
    )
    from tests.verbund.transfers.support import grant
    from verbund.models.requests import RequestKind

    Partner.objects.get_or_create(
        code="st-dhs", defaults={"name": "DHS", "kind": "foreign_agency", "country": "US"}
    )
    LegalBasis.objects.get_or_create(
        code="st-bkag3",
        defaults={
            "citation": "§ 3 BKAG",
            "title": "Internationale Zusammenarbeit",
            "source": "schemathesis",
            "agencies": ["BKA", "LKA-BW"],
        },
    )
    bka, lka_bw = _officer("bka.analyst"), _officer("lka-bw.analyst")

    def abroad(actor: Officer) -> str:
        record = record_create(actor=bka, data=person_payload())
        if actor != bka:
            grant(record, actor.username, kind=RequestKind.FURTHER_USE)
        body = {
            "record": str(record.pk),
            "recipient": {"partner": "st-dhs"},
            "channel": "interpol",
            "legal_basis": "st-bkag3",
            "items": ["basic"],
            "purpose": "schemathesis",
        }
        return str(transfer_submit(actor=actor, body=body)[0].pk)

    consent = [abroad(lka_bw) for _ in range(4)]
    approval = [abroad(bka) for _ in range(4)]
    sent = [abroad(bka) for _ in range(4)]
    for pk in sent:
        transfer_approve(actor=_officer("bka.head"), transfer_id=pk, approved=True, reasons="Ja.")
    return {
        "transfers_consent": consent,
        "transfers_approval": approval,
        "transfers_sent": sent,
    }


def _red_notices() -> dict[str, list[str]]:
    """Red Notices in review (R-N2): read by anyone, decided by the officer of the run
    (bka.head): the first decision on each answers 200, later ones 409."""
    from international.services.notices import notice_receive

    made = [
        notice_receive(
            actor=_officer("bka.analyst"),
            data={
                "interpol_reference": f"A-{9000 + n}/1-2025",
                "country": "US",
                "subject": {"surname": "Doe", "given_names": "John", "date_of_birth": "1980"},
            },
        )[0]
        for n in range(4)
    ]
    return {"red_notices": [str(notice.pk) for notice in made]}


# State systems and their releases (issue 18, gws-release branch): the operations under
# /state-systems/ and /releases/ run as an officer of LKA-BW (RELEASE_OFFICER, see the hooks),
# the agency that owns POLAS-BW, so a release answers 201 and its reads 200.
RELEASE_OFFICER = "lka-bw.head"


def _releases() -> dict[str, list[str]]:
    """Two releases of POLAS-BW (one row imported, one rejected each)."""
    from verbund.services.releases import release_run

    made = []
    for n in range(2):
        rows = [
            {
                "source_reference": f"ST-{n}",
                "basic": {"surname": "Freigabe", "given_names": f"Fritz {n}"},
                "reference": {"file_number": f"ST-REL-{n}"},
                "incident": {"date": "2025-10-04", "match": "Karlsruher SC – VfB Stuttgart"},
            },
            {"source_reference": f"ST-BAD-{n}", "basic": {}, "reference": {}},
        ]
        release = release_run(
            system_code="POLAS-BW",
            payload=rows,
            fmt="json",
            actor=_officer("lka-bw.analyst"),
            channel="api",
        )
        made.append(str(release.pk))
    return {"state_systems": ["POLAS-BW"], "releases": made}


def _supervision() -> dict[str, list[str]]:
    """Control plans of federal agencies (controls are read and recorded on them) and
    delegations of the BfDI (the first revocation of each answers 200, later ones 409)."""
    from verbund.services.supervision import control_plan_create, delegation_create

    bfdi = _officer(SUPERVISOR)
    today = timezone.localdate()
    codes = ("BKA", "BPOL", "ZKA", "BFV")
    plans = [
        control_plan_create(
            actor=bfdi,
            data={"agency": code, "file": "ATD", "cycle_months": 12, "starts_on": str(today)},
        )
        for code in codes
    ]
    delegations = [
        delegation_create(
            actor=bfdi,
            data={
                "agency": code,
                "to_jurisdiction": "BW",
                "scope": ["log"],
                "valid_until": str(today + datetime.timedelta(days=30)),
                "reasons": "schemathesis",
            },
        )
        for code in codes
    ]
    return {
        "control_plans": [str(plan.pk) for plan in plans],
        "delegations": [str(delegation.pk) for delegation in delegations],
    }


def _subject_requests() -> dict[str, list[str]]:
    """Subject requests at the BKA desk: BKA records of their own to decide on (a decision
    may delete them), requests without findings to answer, answered ones to challenge."""
    from subjects.catalogue import subject_desks_ensure
    from subjects.services import subject_request_answer, subject_request_create

    subject_desks_ensure(PASSWORD)
    desk = _officer(DESK)
    bka = _officer("bka.analyst")
    for n in range(3):
        basic = {
            "surname": "Auskunftsfall",
            "given_names": "Anna",
            "date_of_birth": f"1970-01-0{n + 1}",
        }
        record_create(actor=bka, data=person_payload(basic=basic))

    def made(surname: str, born: str) -> str:
        body = {
            "applicant": {"surname": surname, "given_names": "Anna", "date_of_birth": born},
            "asks": ["access", "correction", "deletion"],
        }
        return str(subject_request_create(actor=desk, data=body).pk)

    with_records = [made("Auskunftsfall", f"1970-01-0{n + 1}") for n in range(3)]
    unanswered = [made("Niemand", f"1960-02-{n + 10}") for n in range(4)]
    answered = [made("Beantwortet", f"1961-03-{n + 10}") for n in range(2)]
    for pk in answered:
        subject_request_answer(actor=desk, request_id=pk)
    consultations = [
        str(pk)
        for pk in Consultation.objects.filter(request_id__in=with_records).values_list(
            "pk", flat=True
        )
    ]
    return {
        "subject_requests": with_records + answered,
        "subject_requests_unanswered": unanswered,
        "subject_requests_answered": answered,
        "subject_consultations": consultations,
        **_subject_challenges(desk, bka),
    }


def _subject_challenges(desk: Any, bka: Any) -> dict[str, list[str]]:
    """Issue 18, gws-claims: answered requests whose deletion the BKA refused, with an
    objection (decided by the officer, bka.head: the first decision 200, later ones 409) and
    a court action (the desk records the ruling: the first 200, later ones 409)."""
    from subjects.services import (
        consultation_decide,
        subject_request_answer,
        subject_request_challenge,
        subject_request_create,
    )

    objections: list[str] = []
    actions: list[str] = []
    for n in range(3):
        basic = {
            "surname": "Rechtsbehelfsfall",
            "given_names": "Rita",
            "date_of_birth": f"1971-01-0{n + 1}",
        }
        record_create(actor=bka, data=person_payload(basic=basic))
        body = {"applicant": basic, "asks": ["access", "deletion"]}
        request = subject_request_create(actor=desk, data=body)
        consultation = request.consultations.get()
        for ask, outcome in (("access", "agree"), ("deletion", "refuse")):
            consultation_decide(
                actor=bka,
                consultation_id=consultation.pk,
                data={"ask": ask, "outcome": outcome, "reasons": "schemathesis"},
            )
        subject_request_answer(actor=desk, request_id=request.pk)
        for kind, into in (("objection", objections), ("court_action", actions)):
            challenge = subject_request_challenge(
                actor=desk,
                request_id=request.pk,
                data={"text": "schemathesis", "consultation": str(consultation.pk), "kind": kind},
            )
            into.append(str(challenge.pk))
    return {"subject_objections": objections, "subject_court_actions": actions}


# Which dictionary fills which path parameter of which operation (all other operations with
# the parameter use the first entry of its row).
PATH_IDS: dict[str, dict[str, str]] = {
    "record_id": {
        "": "records",
        "PATCH /api/v1/records/{record_id}/": "patchable_records",
        "POST /api/v1/records/{record_id}/block/": "blockable_records",
        "DELETE /api/v1/records/{record_id}/": "deletable_records",
        "POST /api/v1/records/{record_id}/review/": "reviewable_records",
        "POST /api/v1/records/{record_id}/blocked-use/": "blocked_records",
        # Issue 20, intlts.
        "POST /api/v1/records/{record_id}/originator-markings/{marking_id}/releases/": (
            "marked_records"
        ),
    },
    "search_id": {"": "searches"},
    "covert_hit_id": {"": "covert_hits"},
    "item_id": {"": "correction_notices"},
    "transfer_id": {
        "": "transfers",
        # Issue 20, intltr: transfers abroad in the state each step needs.
        "POST /api/v1/transfers/{transfer_id}/consent/": "transfers_consent",
        "POST /api/v1/transfers/{transfer_id}/approval/": "transfers_approval",
        "POST /api/v1/transfers/{transfer_id}/sent/": "transfers_sent",
    },
    "emergency_id": {
        "": "eilfaelle_owned",
        "POST /api/v1/emergency-accesses/{emergency_id}/duty/": "eilfaelle_refused",
    },
    "request_id": {
        "": "access_requests",
        "GET /api/v1/subject-requests/{request_id}/": "subject_requests",
        "POST /api/v1/subject-requests/{request_id}/answer/": "subject_requests_unanswered",
        "POST /api/v1/subject-requests/{request_id}/challenge/": "subject_requests_answered",
    },
    "consultation_id": {"": "subject_consultations"},
    # Issue 18, gws-claims.
    "challenge_id": {
        "": "subject_objections",
        "POST /api/v1/subject-challenges/{challenge_id}/ruling/": "subject_court_actions",
    },
    "plan_id": {"": "control_plans"},
    "delegation_id": {"": "delegations"},
    # Issue 18, gws-release.
    "code": {"": "state_systems"},
    "release_id": {"": "releases"},
    # Issue 20, intlreg.
    "partner_request_id": {"": "partner_requests"},
    # Issue 20, intlts.
    "marking_id": {"": "originator_markings"},
    # Issue 20, intlrn.
    "notice_id": {"": "red_notices"},
}
PATH_IDS["code"]["GET /api/v1/partners/{code}/"] = "partners"
# Valid values at the edges the generator rarely reaches, mixed into the parameters below:
# date-times with the largest UTC offsets RFC 3339 allows (PostgreSQL stores at most
# +-15:59), at the ends of the calendar, with more fraction digits than a microsecond.
EDGE_VALUES = {
    "edge_datetimes": [
        "2026-01-01T00:00:00+16:00",
        "2026-01-01T00:00:00-23:59",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "2026-01-01T00:00:00.1234567Z",
    ],
}
EDGE_PARAMETERS = {"query.since": "edge_datetimes", "query.until": "edge_datetimes"}
EDGE_PROBABILITY = 0.25
# Operations that take ids from their dictionary only, not from ids seen in earlier answers
# (schemathesis reuses those by default): DELETE would otherwise delete the records that
# the other operations read. (The stateful phase, last, still follows its links.)
OWN_IDS_ONLY = [
    "DELETE /api/v1/records/{record_id}/",
    "POST /api/v1/records/{record_id}/review/",
]
# Share of fuzzing and stateful cases whose path parameter is a real id (the rest generated).
REAL_ID_PROBABILITY = 0.5


# ---------------------------------------------------------------------------- run


def _toml(value: Any) -> str:
    """A TOML value for strings, numbers, booleans and lists of them (JSON spells them alike)."""
    return json.dumps(value, ensure_ascii=False)


def write_config(directory: Path, ids: dict[str, list[str]], operations: list[str]) -> Path:
    """Write schemathesis.toml and the ids file of the coverage hook; return the config."""
    lines = [
        f"hooks = {_toml(str(HOOKS))}",
        f"seed = {SEED}",
        "",
        "[generation]",
        f"max-examples = {MAX_EXAMPLES}",
        # No example database: every run generates the same cases from the seed alone.
        'database = "none"',
        # No shrinking of failing cases: it adds requests to a failing run, and the bound
        # must hold for red runs too.
        "no-shrink = true",
        "",
    ]
    for name, values in {**ids, **EDGE_VALUES}.items():
        lines += [f"[dictionaries.{name}]", f"values = {_toml(values)}", ""]
    lines.append("[parameters]")
    for parameter, dictionary in EDGE_PARAMETERS.items():
        lines.append(
            f'"{parameter}" = {{ dictionary = {_toml(dictionary)}, '
            f"probability = {EDGE_PROBABILITY} }}"
        )
    for parameter, row in PATH_IDS.items():
        lines.append(
            f'"path.{parameter}" = {{ dictionary = {_toml(row[""])}, '
            f"probability = {REAL_ID_PROBABILITY} }}"
        )
    lines.append("")
    # One [[operations]] table per operation that differs from the defaults.
    settings: dict[str, list[str]] = {}
    for parameter, row in PATH_IDS.items():
        for label, dictionary in row.items():
            if label:
                settings.setdefault(label, []).append(
                    f'parameters."path.{parameter}" = {{ dictionary = {_toml(dictionary)}, '
                    f"probability = {REAL_ID_PROBABILITY} }}"
                )
    for label in FUZZED_ONLY:
        settings.setdefault(label, []).append("phases.coverage.enabled = false")
    for label in OWN_IDS_ONLY:
        settings.setdefault(label, []).extend(
            f"phases.{phase}.extra-data-sources.responses = false"
            for phase in ("coverage", "fuzzing")
        )
    for label, entries in settings.items():
        lines += ["[[operations]]", f"include-name = {_toml(label)}", *entries, ""]
    config = directory / "schemathesis.toml"
    config.write_text("\n".join(lines))
    # The coverage hook: operation label -> parameter -> real ids.
    by_operation: dict[str, dict[str, list[str]]] = {}
    for label in operations:
        for parameter, row in PATH_IDS.items():
            if "{" + parameter + "}" in label:
                by_operation.setdefault(label, {})[parameter] = ids[row.get(label, row[""])]
    (directory / "ids.json").write_text(json.dumps(by_operation))
    return config


def _login(base: str, username: str) -> str:
    """Log in through the API, as a client would; return the token."""
    request = urllib.request.Request(
        base + "/api/v1/auth/token/",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        token: str = json.load(response)["token"]
        return token


@pytest.fixture
def served(audit_truncate_allowed: None, transactional_db: Any, tmp_path: Path) -> Any:
    """Seed the data, start scripts/serve.sh on a free port; stop it after."""
    ids = seed()  # committed: the server's own connections see it
    officer = _officer(OFFICER)
    spares = tmp_path / "spare-tokens"
    spares.write_text(
        "\n".join(
            AuthToken.objects.create(user=officer, expiry=None)[1] for _ in range(SPARE_TOKENS)
        )
    )
    var = tmp_path / "var"
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "verbund.settings.test",
        "DATABASE_URL": database_url_for_server(),
        "VERBUND_VAR_DIR": str(var),
        "VERBUND_HOST": "127.0.0.1",
        "VERBUND_PORT": str(port),
        "VERBUND_WEB_WORKERS": str(WEB_WORKERS),
        "VERBUND_WEB_THREADS": "4",
    }
    (var / "log").mkdir(parents=True)
    # The application's own log lines (every 4xx is one) go to a file, not into the report.
    output = (var / "log" / "server.out").open("wb")
    process = subprocess.Popen(
        ["bash", "scripts/serve.sh"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(base + "/api/v1/schema/", process, var / "log" / "web.log")
        yield base, ids, spares, var
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()


def _operations(base: str) -> list[str]:
    """Return the labels ("METHOD /path") of every operation of the served schema."""
    with urllib.request.urlopen(base + "/api/v1/schema/?format=json", timeout=10) as response:
        schema = json.load(response)
    methods = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}
    return sorted(
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item
        if method in methods
    )


ACCESS_LINE = re.compile(r'"([A-Z]+) ([^ ?"]+)[^"]*" (\d{3}) ')


def _answers(access_log: Path, operations: list[str], offset: int) -> dict[str, set[int]]:
    """Return the statuses the server answered per operation (gunicorn's access log, from
    byte ``offset`` on)."""
    patterns: list[tuple[str, str, re.Pattern[str]]] = []
    for label in operations:
        method, template = label.split(" ", 1)
        regex = re.sub(r"\\{[a-z_]+\\}", "[^/]+", re.escape(template))
        patterns.append((label, method, re.compile(regex + "$")))
    seen: dict[str, set[int]] = {label: set() for label in operations}
    with access_log.open("rb") as log:
        log.seek(offset)
        text = log.read().decode(errors="replace")
    for line in text.splitlines():
        match = ACCESS_LINE.search(line)
        if not match:
            continue
        method, path, status = match.group(1), match.group(2), int(match.group(3))
        for label, op_method, compiled in patterns:
            if method == op_method and compiled.match(path):
                seen[label].add(status)
                break
    return seen


def _report(stdout: str) -> str:
    """schemathesis's failure report: from FAILURES to the end (with its summary)."""
    found = [at for at in (stdout.find("= ERRORS ="), stdout.find("= FAILURES =")) if at >= 0]
    start = min(found, default=-1)
    return stdout[stdout.rfind("\n", 0, start) + 1 :] if start >= 0 else stdout[-6000:]


def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    served: Any, tmp_path: Path
) -> None:
    """Every operation, fuzzed as officer and supervisor: answers match the served schema."""
    base, ids, spares, var = served
    operations = _operations(base)
    config = write_config(tmp_path, ids, operations)
    reports = tmp_path / "report"
    officer_token = _login(base, OFFICER)
    env = {
        **os.environ,
        "VERBUND_ST_OFFICER_TOKEN": officer_token,
        "VERBUND_ST_SUPERVISOR_TOKEN": _login(base, SUPERVISOR),
        "VERBUND_ST_DESK_TOKEN": _login(base, DESK),
        "VERBUND_ST_RELEASE_TOKEN": _login(base, RELEASE_OFFICER),
        "VERBUND_ST_SPARE_TOKENS": str(spares),
        "VERBUND_ST_IDS": str(tmp_path / "ids.json"),
        "VERBUND_ST_BASE_URL": base,
        "VERBUND_ST_USERNAME": OFFICER,
        "VERBUND_ST_PASSWORD": PASSWORD,
    }
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(config),
        "run",
        f"{base}/api/v1/schema/",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        ",".join(PHASES),
        "--workers",
        str(WORKERS),
        "--continue-on-failure",
        "--report",
        "junit,ndjson",
        "--report-junit-path",
        str(reports / "junit.xml"),
        "--report-ndjson-path",
        str(reports / "events.ndjson"),
        "--no-color",
    ]
    access_log = var / "log" / "access.log"
    before = access_log.stat().st_size  # the logins above are not the run's
    started = time.monotonic()
    try:
        run = subprocess.run(
            command,
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        pytest.fail(f"schemathesis ran over {TIMEOUT} s:\n{out[-6000:]}")
    elapsed = time.monotonic() - started
    phases = [line for line in run.stdout.splitlines() if re.match(r"^ \S+\s+\w+ \(in ", line)]
    summary = run.stdout[run.stdout.rfind("= SUMMARY =") - 40 :]
    print(f"schemathesis ran {elapsed:.0f} s", *phases, summary, sep="\n")

    assert run.returncode == 0, (
        f"schemathesis found failures (exit {run.returncode}, {elapsed:.0f} s):\n"
        f"{_report(run.stdout)}\n{run.stderr[-3000:]}"
    )
    # Every operation of the schema was run by schemathesis ...
    tree = ET.parse(reports / "junit.xml")
    tested = {str(case.get("name")) for case in tree.iter("testcase")}
    skipped = {
        str(case.get("name")) for case in tree.iter("testcase") if case.find("skipped") is not None
    }
    assert set(operations) <= tested, sorted(set(operations) - tested)
    assert not skipped & set(operations), sorted(skipped & set(operations))
    # ... and answered by the server; the operations with real ids, the supervisors' and the
    # logout answered a success too (the ids, the supervisor token and the spares worked).
    answers = _answers(access_log, operations, offset=before)
    unanswered = [label for label, statuses in answers.items() if not statuses]
    assert not unanswered, unanswered
    no_success = [
        label
        for label in operations
        if ("{" in label or label in SUCCESS_REQUIRED)
        and not any(200 <= status < 300 for status in answers[label])
    ]
    assert not no_success, {label: sorted(answers[label]) for label in no_success}
    # The officer's token outlived the run (no case revoked it: the answers are not 401s).
    request = urllib.request.Request(
        base + "/api/v1/me/", headers={"Authorization": f"Token {officer_token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
