"""Walk issue 18's end-to-end GWS flow against a running Verbund (``make run``).

Usage, in the clone that ``make run`` serves (same settings, same database)::

    .venv/bin/python manage.py release_from_state --state BW docs/examples/polas-bw.json
    python3 scripts/e2e_gws.py [BASE_URL] [docs/examples/polas-bw.json]

(default ``http://127.0.0.1:8000``; the demo password from ``VERBUND_DEMO_PASSWORD`` or
``demo-only-password``). Standard library only (``scripts/e2e_http.py``).

1. ``lka-by.analyst`` (Bavaria, a retrieving GWS participant) searches GWS by the name of
   the first valid row of the released file and finds the record of LKA-BW (R-M1).
2. It reads the record: ``GET /api/v1/records/{id}/`` → 200 with basic data and the incident
   report, without any request to the owner (R-M7); an access request on the hit → 400.
3. ``bfv.analyst`` (an intelligence service, R-M6) gets 403 on the GWS search and 404 on
   the record.
4. ``lka-bw.analyst`` (the owner, R-H1) reads the record and sees where it came from
   (POLAS-BW); ``lka-by.analyst`` cannot change it (403/404).

A step that does not answer as expected stops the script with exit status 1.
"""

from __future__ import annotations

import json
import pathlib
import sys
from typing import Any

from e2e_http import call, expect, login  # scripts/ is on sys.path when run as a script

HERE = pathlib.Path(__file__).resolve().parent
EXAMPLE = (
    pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else HERE.parent / "docs/examples/polas-bw.json"
)


def check(label: str, condition: bool, shown: Any = None) -> None:
    """Print a check; stop with exit 1 when it fails."""
    print(f"{'ok ' if condition else 'BAD'}     {label}")
    if not condition:
        print(json.dumps(shown, indent=2, ensure_ascii=False, default=str))
        sys.exit(1)


def released_person() -> dict[str, Any]:
    """Return the basic data of the example file's first row that carries a full name."""
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    rows = document["rows"] if isinstance(document, dict) else document
    for row in rows:
        basic = row.get("basic") or {}
        if basic.get("surname") and str(basic.get("date_of_birth", "")).count("-") == 2:
            return dict(basic)
    raise SystemExit(f"no usable row in {EXAMPLE}")


def search(token: str, surname: str) -> tuple[int, Any]:
    """Run a GWS name search."""
    return call(
        "POST",
        "/api/v1/searches/",
        token,
        {
            "file": "GWS",
            "mode": "name",
            "purpose": "event_danger",
            "urgency": "routine",
            "criteria": {"surname": surname},
        },
    )


def main() -> None:
    """Run the four steps of the module docstring."""
    basic = released_person()
    surname = basic["surname"]
    print(f"    released person from {EXAMPLE.name}: {surname}, {basic.get('given_names', '')}")

    # 1. Direct retrieval by another state's police.
    by = login("lka-by.analyst")
    result = expect(f"lka-by.analyst searches GWS for {surname}", search(by, surname), 201)
    hits = [h for h in result.get("hits", []) if h.get("reference", {}).get("agency") == "LKA-BW"]
    check("a hit of LKA-BW with its record id", bool(hits) and bool(hits[0].get("record")), result)
    hit = hits[0]
    rid = hit["record"]

    # 2. The record, read directly.
    record = expect(
        "lka-by.analyst reads the record", call("GET", f"/api/v1/records/{rid}/", by), 200
    )
    check("basic data shown", record.get("basic", {}).get("surname") == surname, record)
    check("the incident report is shown", isinstance(record.get("incident"), dict), record)
    status, answer = call(
        "POST",
        "/api/v1/access-requests/",
        by,
        {"hit": hit["hit"], "justification": "Prüfung der erweiterten Grunddaten"},
    )
    print(f"{'ok ' if status == 400 else 'BAD'} {status} an access request on a GWS hit")
    check("no request in GWS (400)", status == 400, answer)

    # 3. No intelligence service.
    bfv = login("bfv.analyst")
    expect("bfv.analyst searches GWS", search(bfv, surname), 403)
    expect("bfv.analyst reads the record", call("GET", f"/api/v1/records/{rid}/", bfv), 404)

    # 4. The owner, and the owner alone.
    bw = login("lka-bw.analyst")
    own = expect("lka-bw.analyst reads its record", call("GET", f"/api/v1/records/{rid}/", bw), 200)
    source = own.get("source") or {}
    check("released by POLAS-BW", source.get("system") == "POLAS-BW", own)
    status, answer = call(
        "PATCH", f"/api/v1/records/{rid}/", by, {"incident": {"fan_group": "geändert"}}
    )
    print(f"{'ok ' if status in (403, 404) else 'BAD'} {status} lka-by.analyst changes it")
    check("only the owner changes it", status in (403, 404), answer)
    print("end-to-end GWS flow: ok")


if __name__ == "__main__":
    main()
