"""Walk issue 15's end-to-end flow against a running Verbund (``make run``) over HTTP.

Usage: ``python3 scripts/e2e_requests_eilfall.py [BASE_URL]`` (default
``http://127.0.0.1:8000``; the demo password from ``VERBUND_DEMO_PASSWORD`` or
``demo-only-password``). Standard library only, so it runs with any Python 3.

1. ``bfv.analyst`` enters an open person with extended data.
2. ``lka-bw.analyst`` finds it and requests the extended data: 201 ``pending``; the record
   answers 404.
3. ``bfv.analyst`` grants, relying on ``§ 19 BVerfSchG``: the record answers 200 with the
   extended data and the use marking.
4. On a second record an Eilfall decided by ``lka-bw.analyst`` → 403, by ``lka-bw.head`` →
   201 with the extended data at once.
5. ``bfv.analyst`` refuses consent: the record answers 404 again and ``lka-bw.analyst``'s
   inbox holds ``emergency_refused`` with a ``due_at``; closing it confirms each step.

Every step prints the call and its status; a step that does not answer as expected stops
the script with exit status 1.
"""

from __future__ import annotations

import json
import sys
import uuid
from typing import Any

from e2e_http import call, expect, login  # scripts/ is on sys.path when run as a script


def person(surname: str) -> dict[str, Any]:
    """Return an open ATD person with extended data and a unique file number."""
    return {
        "file": "ATD",
        "kind": "person",
        "case_group": "1a",
        "storage": "open",
        "findings_basis": "Erkenntnisse aus einem Beobachtungsvorgang",
        "basic": {"surname": surname, "given_names": "Karim", "date_of_birth": "1990-02-03"},
        "extended": {"phones": ["+49 30 1234567"], "profession": "Kraftfahrer"},
        "reference": {"file_number": f"E2E-{uuid.uuid4().hex[:8]}", "classification": "VS-NfD"},
    }


def find(token: str, surname: str) -> dict[str, Any]:
    """Search by name as the given officer and return the first hit."""
    answer = expect(
        f"search {surname}",
        call(
            "POST",
            "/api/v1/searches/",
            token,
            {
                "file": "ATD",
                "mode": "name",
                "purpose": "ct_task",
                "urgency": "routine",
                "criteria": {"surname": surname},
            },
        ),
        201,
    )
    if not answer["hits"]:
        print("BAD no hit")
        sys.exit(1)
    return dict(answer["hits"][0])


def main() -> None:
    """Run the five steps of the module docstring."""
    bfv, lka = login("bfv.analyst"), login("lka-bw.analyst")
    suffix = uuid.uuid4().hex[:6]

    first = f"Haddad{suffix}"
    record = expect(
        "bfv.analyst enters a person", call("POST", "/api/v1/records/", bfv, person(first)), 201
    )
    hit = find(lka, first)
    made = expect(
        "lka-bw.analyst requests the extended data",
        call(
            "POST",
            "/api/v1/access-requests/",
            lka,
            {"hit": hit["hit"], "justification": "Abgleich mit eigenem Ermittlungsvorgang"},
        ),
        201,
    )
    assert made["status"] == "pending", made
    expect("record before the grant", call("GET", f"/api/v1/records/{record['id']}/", lka), 404)
    expect(
        "bfv.analyst grants",
        call(
            "POST",
            f"/api/v1/access-requests/{made['id']}/decision/",
            bfv,
            {
                "grant": True,
                "reasons": "Übermittlung zur Terrorismusabwehr erforderlich",
                "provision": "§ 19 BVerfSchG",
            },
        ),
        200,
    )
    shown = expect(
        "record after the grant", call("GET", f"/api/v1/records/{record['id']}/", lka), 200
    )
    assert shown["extended"]["profession"] == "Kraftfahrer", shown
    print(
        "    extended:",
        json.dumps(shown["extended"], ensure_ascii=False),
        "use:",
        shown.get("use_markings"),
    )

    second = f"Nasser{suffix}"
    record2 = expect(
        "bfv.analyst enters a second person",
        call("POST", "/api/v1/records/", bfv, person(second)),
        201,
    )
    hit2 = find(lka, second)
    eilfall = {
        "hit": hit2["hit"],
        "danger": "life",
        "facts": "Hinweis auf einen unmittelbar bevorstehenden Anschlag am Hauptbahnhof",
        "why_no_request": "Das Ersuchen käme zu spät: Tatzeit in zwei Stunden",
    }
    expect(
        "Eilfall decided by lka-bw.analyst",
        call(
            "POST", "/api/v1/emergency-accesses/", lka, {**eilfall, "decided_by": "lka-bw.analyst"}
        ),
        403,
    )
    access = expect(
        "Eilfall decided by lka-bw.head",
        call("POST", "/api/v1/emergency-accesses/", lka, {**eilfall, "decided_by": "lka-bw.head"}),
        201,
    )
    expect(
        "the same Eilfall a second time",
        call("POST", "/api/v1/emergency-accesses/", lka, {**eilfall, "decided_by": "lka-bw.head"}),
        409,
    )
    print(
        "    consent:",
        access["consent"],
        "extended:",
        json.dumps(access["record"]["extended"], ensure_ascii=False),
    )
    expect(
        "bfv.analyst refuses consent",
        call(
            "POST",
            f"/api/v1/emergency-accesses/{access['id']}/consent/",
            bfv,
            {"grant": False, "reasons": "Weitere Verwendung gefährdet eine laufende Maßnahme"},
        ),
        200,
    )
    expect("record after the refusal", call("GET", f"/api/v1/records/{record2['id']}/", lka), 404)
    again = expect(
        "a new Eilfall after the refusal",
        call("POST", "/api/v1/emergency-accesses/", lka, {**eilfall, "decided_by": "lka-bw.head"}),
        409,
    )
    print("    code:", again["code"])
    inbox = expect(
        "lka-bw.analyst's inbox", call("GET", "/api/v1/inbox/?kind=emergency_refused", lka), 200
    )
    duty = [i for i in inbox["results"] if i["payload"].get("eilfall") == access["id"]]
    if not duty or not duty[0]["due_at"]:
        print("BAD no emergency_refused item with a due_at")
        sys.exit(1)
    print(f"ok  emergency_refused due {duty[0]['due_at']}")
    closed = expect(
        "lka-bw.analyst closes the duty",
        call(
            "POST",
            f"/api/v1/emergency-accesses/{access['id']}/duty/",
            lka,
            {"deleted_or_blocked": "deleted", "third_parties_informed": True},
        ),
        200,
    )
    print("    duty closed at", closed["duty_done_at"])


if __name__ == "__main__":
    main()
