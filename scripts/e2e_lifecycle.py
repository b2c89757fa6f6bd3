"""Walk issue 16's end-to-end flow against a running Verbund (``make run``).

Usage: ``python3 scripts/e2e_lifecycle.py [BASE_URL]`` from the project root of the
running ``make run`` (default ``http://127.0.0.1:8000``; ``VERBUND_VAR_DIR`` as for that
run, default ``var/``; the demo password from ``VERBUND_DEMO_PASSWORD`` or
``demo-only-password``). Standard library only, apart from running ``manage.py`` with the
project's ``.venv``.

1. ``lka-bw.analyst`` enters an ATD person whose ``review_date`` is today.
2. ``python manage.py enforce_deadlines`` (the operator command, the same service as the
   daily beat task) puts a ``review_due`` item for it into LKA-BW's inbox.
3. ``lka-bw.analyst`` deletes the record (no longer necessary): it answers 404.
4. ``lfd-bw.supervisor`` still finds the creation and the deletion (with its tombstone)
   in ``GET /api/v1/audit/events/?agency=LKA-BW``, and ``GET /api/v1/audit/verify/``
   answers ``ok: true``.

Every step prints the call and its status; a step that does not answer as expected stops
the script with exit status 1.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

from e2e_http import call, expect, login  # scripts/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]


def check(label: str, condition: bool, shown: Any = None) -> None:
    """Print a check; stop with exit 1 when it fails."""
    print(f"{'ok ' if condition else 'BAD'}     {label}")
    if not condition:
        print(json.dumps(shown, indent=2, ensure_ascii=False, default=str))
        sys.exit(1)


def review_items(token: str, record_id: str) -> list[dict[str, Any]]:
    """Return the officer's open ``review_due`` inbox items about one record."""
    found: list[dict[str, Any]] = []
    path: str | None = "/api/v1/inbox/?page_size=100"
    while path:
        page = expect("GET inbox", call("GET", path, token), 200)
        for item in page["results"]:
            if item["kind"] == "review_due" and item["payload"].get("record") == record_id:
                found.append(item)
        nxt = page.get("next")
        path = urllib.parse.urlsplit(nxt)._replace(scheme="", netloc="").geturl() if nxt else None
    return found


def events(token: str, since: str) -> list[dict[str, Any]]:
    """Return the supervisor's view of LKA-BW's log events since ``since`` (all pages)."""
    query = urllib.parse.urlencode({"agency": "LKA-BW", "since": since, "page_size": 200})
    found: list[dict[str, Any]] = []
    path: str | None = f"/api/v1/audit/events/?{query}"
    while path:
        page = expect("GET audit events", call("GET", path, token), 200)
        found.extend(page["results"])
        nxt = page.get("next")
        path = urllib.parse.urlsplit(nxt)._replace(scheme="", netloc="").geturl() if nxt else None
    return found


def main() -> None:
    """Run the four steps of the module docstring."""
    since = datetime.datetime.now(datetime.UTC).isoformat()
    lka = login("lka-bw.analyst")
    today = datetime.date.today()
    body = {
        "file": "ATD",
        "kind": "person",
        "case_group": "1a",
        "storage": "open",
        "findings_basis": "Erkenntnisse aus einem Ermittlungsverfahren",
        "basic": {"surname": f"Prüfling{uuid.uuid4().hex[:6]}", "given_names": "Anton"},
        "review_date": today.isoformat(),
        "deletion_date": today.replace(year=today.year + 3).isoformat(),
        "reference": {"file_number": f"E2E-L-{uuid.uuid4().hex[:8]}"},
    }
    record = expect(
        "lka-bw.analyst enters a person due for review today",
        call("POST", "/api/v1/records/", lka, body),
        201,
    )
    rid = record["id"]
    check("review date is today", record["review_date"] == today.isoformat(), record)

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "verbund.settings.dev"}
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "enforce_deadlines"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(f"{'ok ' if done.returncode == 0 else 'BAD'} manage.py enforce_deadlines")
    print("    " + (done.stdout.strip().splitlines() or [""])[-1])
    if done.returncode != 0:
        print(done.stderr)
        sys.exit(1)
    items = review_items(lka, rid)
    check("a review_due item for the record is in LKA-BW's inbox", len(items) == 1, items)
    print("    causes:", json.dumps(items[0]["payload"].get("causes"), ensure_ascii=False))

    expect(
        "lka-bw.analyst deletes the record",
        call("DELETE", f"/api/v1/records/{rid}/", lka),
        204,
    )
    expect("the record after the deletion", call("GET", f"/api/v1/records/{rid}/", lka), 404)

    supervisor = login("lfd-bw.supervisor")
    about = [e for e in events(supervisor, since) if e.get("object") == rid]
    actions = [e["action"] for e in about]
    print("    actions on the record:", actions)
    check("the creation is still logged", "record.create" in actions, about)
    check("the deletion is logged", "record.delete" in actions, about)
    verify = expect("GET audit verify", call("GET", "/api/v1/audit/verify/", supervisor), 200)
    check("the chain verifies", verify.get("ok") is True, verify)
    print(f"    checked {verify.get('checked')} entries")
    print("end-to-end lifecycle flow: ok")


if __name__ == "__main__":
    main()
