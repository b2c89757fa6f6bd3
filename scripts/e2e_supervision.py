"""Walk issue 17's end-to-end supervision flow against a running Verbund (``make run``).

Usage: ``python3 scripts/e2e_supervision.py [BASE_URL]`` (default ``http://127.0.0.1:8000``;
the demo password from ``VERBUND_DEMO_PASSWORD`` or ``demo-only-password``). Standard
library only (``scripts/e2e_http.py``).

1. ``lka-bw.analyst`` enters an ATD person and searches for it.
2. ``lfd-bw.supervisor`` (the state supervisor of Baden-Württemberg) finds the entry and
   the search in ``GET /api/v1/audit/events/?agency=LKA-BW``; ``lfd-by.supervisor``
   (Bavaria) finds neither, with or without the agency filter (R-J1).
3. ``GET /api/v1/audit/verify/`` answers ``ok: true`` (R-I4).
4. ``bfv.analyst`` enters a covert record (storage decision by ``bfv.head``);
   ``bfdi.supervisor`` reads it at ``GET /api/v1/supervision/records/{id}/`` (200, R-J6)
   but gets 403 at the officers' path ``/api/v1/records/{id}/``.
5. ``GET /api/v1/reports/statistics/`` answers 200 without login (R-J5), counts the covert
   record only as a number and shows nothing of it.

Every step prints the call and its status; a step that does not answer as expected stops
the script with exit status 1.
"""

from __future__ import annotations

import datetime
import json
import sys
import urllib.parse
import uuid
from typing import Any

from e2e_http import call, expect, login  # scripts/ is on sys.path when run as a script


def check(label: str, condition: bool, shown: Any = None) -> None:
    """Print a check; stop with exit 1 when it fails."""
    print(f"{'ok ' if condition else 'BAD'}     {label}")
    if not condition:
        print(json.dumps(shown, indent=2, ensure_ascii=False, default=str))
        sys.exit(1)


def events(token: str, since: str, agency: str | None) -> list[dict[str, Any]]:
    """Return the supervisor's log events since ``since`` (all pages), optionally filtered."""
    params: dict[str, Any] = {"since": since, "page_size": 200}
    if agency:
        params["agency"] = agency
    found: list[dict[str, Any]] = []
    path: str | None = f"/api/v1/audit/events/?{urllib.parse.urlencode(params)}"
    while path:
        page = expect(f"GET audit events {agency or '(all)'}", call("GET", path, token), 200)
        found.extend(page["results"])
        nxt = page.get("next")
        path = urllib.parse.urlsplit(nxt)._replace(scheme="", netloc="").geturl() if nxt else None
    return found


def person(surname: str, number: str, **more: Any) -> dict[str, Any]:
    """Return an ATD person record body."""
    today = datetime.date.today()
    return {
        "file": "ATD",
        "kind": "person",
        "case_group": "1a",
        "storage": "open",
        "findings_basis": "Erkenntnisse aus einem Ermittlungsverfahren",
        "basic": {"surname": surname, "given_names": "Anton", "date_of_birth": "1984-02-03"},
        "review_date": today.replace(year=today.year + 1).isoformat(),
        "deletion_date": today.replace(year=today.year + 3).isoformat(),
        "reference": {"file_number": number, "classification": "VS-NfD"},
        **more,
    }


def main() -> None:
    """Run the five steps of the module docstring."""
    since = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=5)).isoformat()
    tag = uuid.uuid4().hex[:6]

    # 1. Entry and search by LKA-BW.
    lka = login("lka-bw.analyst")
    surname = f"Aufsicht{tag}"
    record = expect(
        "lka-bw.analyst enters a person",
        call("POST", "/api/v1/records/", lka, person(surname, f"E2E-S-{tag}")),
        201,
    )
    rid = record["id"]
    search = expect(
        "lka-bw.analyst searches for it",
        call(
            "POST",
            "/api/v1/searches/",
            lka,
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
    sid = search["id"]
    check("the search hits the record", len(search.get("hits", [])) == 1, search)

    # 2. The competent state supervisor sees both; another state's does not.
    bw = login("lfd-bw.supervisor")
    seen = events(bw, since, "LKA-BW")
    objects = {e.get("object"): e.get("action") for e in seen}
    print("    LfD BW sees:", json.dumps({k: v for k, v in objects.items() if k in (rid, sid)}))
    check("lfd-bw.supervisor finds the entry", rid in objects, seen)
    check("lfd-bw.supervisor finds the search", objects.get(sid) == "search", seen)
    by = login("lfd-by.supervisor")
    for agency in ("LKA-BW", None):
        status, answer = call(
            "GET",
            "/api/v1/audit/events/?"
            + urllib.parse.urlencode({"since": since, **({"agency": agency} if agency else {})}),
            by,
        )
        print(f"{'ok ' if status in (200, 400) else 'BAD'} {status} lfd-by.supervisor {agency}")
        rows = answer.get("results", []) if status == 200 and isinstance(answer, dict) else []
        foreign = [e for e in rows if e.get("object") in (rid, sid)]
        check(
            f"lfd-by.supervisor finds neither ({agency or 'no filter'})",
            status in (200, 400) and not foreign,
            answer,
        )

    # 3. The chain verifies.
    verify = expect("GET audit verify", call("GET", "/api/v1/audit/verify/", bw), 200)
    check("the chain verifies", verify.get("ok") is True, verify)
    print(f"    checked {verify.get('checked')} entries")

    # 4. A covert BfV record: the federal supervisor reads it on its own path only.
    bfv = login("bfv.analyst")
    covert_surname = f"Verdeckt{tag}"
    secret = expect(
        "bfv.analyst enters a covert record (decided by bfv.head)",
        call(
            "POST",
            "/api/v1/records/",
            bfv,
            person(
                covert_surname,
                f"E2E-C-{tag}",
                storage="covert",
                storage_decision={
                    "decided_by": "bfv.head",
                    "reasons": "Quellenschutz: besondere Geheimhaltungsinteressen.",
                },
            ),
        ),
        201,
    )
    cid = secret["id"]
    bfdi = login("bfdi.supervisor")
    read = expect(
        "bfdi.supervisor reads it through supervision",
        call("GET", f"/api/v1/supervision/records/{cid}/", bfdi),
        200,
    )
    check("the supervisor sees the covert record", str(read.get("id")) == cid, read)
    expect(
        "bfdi.supervisor on the officers' path",
        call("GET", f"/api/v1/records/{cid}/", bfdi),
        403,
    )

    # 5. The public report: no login; the covert record only as a count.
    report = expect(
        "GET reports/statistics without login",
        call("GET", "/api/v1/reports/statistics/"),
        200,
    )
    atd = report["files"]["ATD"]
    print("    ATD:", json.dumps(atd["records"]), "searches/week", atd["searches_per_week"])
    check("the covert record is counted", atd["records"]["covert"] >= 1, report)
    text = json.dumps(report, ensure_ascii=False)
    check(
        "nothing of the covert record is shown",
        covert_surname not in text and cid not in text and f"E2E-C-{tag}" not in text,
        report,
    )
    print("end-to-end supervision flow: ok")


if __name__ == "__main__":
    main()
