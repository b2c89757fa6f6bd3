"""End-to-end: one Eilfall walked in Debian's Chromium, from the hit to the refused consent
(R-G1-G4, R-B2, R-L6); the log shows each step with officer, agency, purpose and decision."""

from __future__ import annotations

from typing import Any

import pytest
from knox.models import AuthToken

from agencies.models import Officer
from tests.conftest import person_payload
from tests.e2e.conftest import SCREENSHOTS, login
from verbund.models import EmergencyAccess
from verbund.services.records import record_create

FACTS = "Anschlag auf den Hauptbahnhof Stuttgart für heute 18 Uhr angekündigt."
WHY = "Ein Übermittlungsersuchen würde erst morgen beschieden; die Gefahr besteht jetzt."


def _token(username: str) -> str:
    return AuthToken.objects.create(user=Officer.objects.get(username=username), expiry=None)[1]


def _events(context: Any, base: str, supervisor: str, agency: str) -> list[dict[str, Any]]:
    response = context.request.get(
        f"{base}/api/v1/audit/events/?agency={agency}&page_size=200",
        headers={"Authorization": f"Token {_token(supervisor)}"},
    )
    assert response.status == 200, response.text()
    results: list[dict[str, Any]] = response.json()["results"]
    return results


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_r_g3_browser_eilfall_from_hit_to_refused_consent(
    chromium_page: Any, live_server: Any
) -> None:
    owner_page, base = chromium_page, live_server.url
    record = record_create(
        actor=Officer.objects.get(username="bfv.analyst"),
        data=person_payload(
            basic={"surname": "Brandt", "given_names": "Yusuf", "date_of_birth": "1991-04-04"},
            extended={
                "contact_persons": [{"surname": "Kontaktfrau", "given_names": "Leyla"}],
                "phones": ["+49 711 4711"],
            },
            reference={"file_number": "BFV-E2E-1", "classification": "VS-NfD"},
        ),
    )

    # LKA-BW's officer, in a browser context of its own, searches and finds the record.
    context = owner_page.context.browser.new_context(
        locale="de-DE", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    errors: list[str] = []
    # The record page answers 404 on purpose after the refusal; anything else counts.
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and "status of 404" not in m.text else None
        ),
    )
    login(page, base, "lka-bw.analyst")
    page.goto(f"{base}/suche/")
    page.select_option("#id_purpose", "ct_task")
    page.select_option("#id_urgency", "immediate")
    page.fill("#id_surname", "Brandt")
    page.click("form.search-form button.primary")
    page.wait_for_selector("td.next-steps")
    page.click("td.next-steps >> text=Eilfall")
    page.wait_for_url(f"{base}/treffer/*/eilfall/")
    assert "BFV-E2E-1" in page.inner_text("main")
    assert "schweren Verletzung mit bleibenden Folgen" in page.inner_text("main")

    # The analyst cannot decide: only the heads of the own agency are offered.
    options = page.locator("#id_decided_by option").all_inner_texts()
    assert any("lka-bw.head" in o for o in options)
    assert not any("lka-bw.analyst" in o for o in options)
    page.check("input[name=danger][value=life]")
    page.fill("#id_facts", FACTS)
    page.fill("#id_why_no_request", WHY)
    page.select_option("#id_decided_by", "lka-bw.head")
    page.click("#eilfall-form button.primary")
    page.wait_for_url(f"{base}/eilfaelle/*/")
    main = page.inner_text("main")
    assert "um Zustimmung gebeten" in main
    assert "Kontaktfrau" in main and "+49 711 4711" in main  # extended data, oo included
    assert "internationalen Terrorismus unerlässlich" in page.inner_text("#use-marking")
    page.screenshot(path=str(SCREENSHOTS / "eilfall_taken.png"), full_page=True)
    ea = EmergencyAccess.objects.get()
    assert ea.decided_by.username == "lka-bw.head" and ea.consent == "pending"
    assert page.goto(f"{base}/datensaetze/{record.pk}/").status == 200

    # BfV refuses its consent in the inbox.
    login(owner_page, base, "bfv.analyst")
    owner_page.goto(f"{base}/eingang/?kind=emergency_consent")
    item = owner_page.locator("article.inbox-item").first
    assert FACTS in item.inner_text() and "LKA-BW" in item.inner_text()
    item.locator(f"input[name='{ea.pk}-grant'][value='0']").check()
    item.locator(f"textarea[name='{ea.pk}-reasons']").fill("Gefährdung einer menschlichen Quelle.")
    item.locator("form.consent-form button.primary").click()
    owner_page.wait_for_load_state()
    assert "Verweigerung erfasst" in owner_page.inner_text("main")
    owner_page.screenshot(path=str(SCREENSHOTS / "eilfall_refused.png"), full_page=True)

    # The access ended: the record is 404; the inbox holds the duty with its due time.
    assert page.goto(f"{base}/datensaetze/{record.pk}/").status == 404
    page.goto(f"{base}/eingang/?kind=emergency_refused")
    duty = page.locator("article.inbox-item").first
    text = duty.inner_text()
    assert "Zustimmung verweigert" in text and "Fällig" in text
    assert "Dritte" in text and "Gefährdung einer menschlichen Quelle." in text
    duty.locator(f"input[name='{ea.pk}-deleted_or_blocked'][value='deleted']").check()
    duty.locator(f"input[name='{ea.pk}-third_parties_informed']").check()
    duty.locator("form.duty-form button.primary").click()
    page.wait_for_load_state()
    assert "als erledigt erfasst" in page.inner_text("main")
    ea.refresh_from_db()
    assert ea.consent == "refused" and ea.duty_steps["deleted_or_blocked"] == "deleted"

    # The log: each step with officer, agency, purpose and decision, for the competent
    # supervisors (LfD BW for LKA-BW, BfDI for BfV).
    bw = {e["action"]: e for e in _events(context, base, "lfd-bw.supervisor", "LKA-BW")}
    create, closed = bw["emergency.create"], bw["emergency.duty"]
    assert create["officer"] == "lka-bw.analyst" and create["agency"] == "LKA-BW"
    assert create["purpose"] == "ct_task"
    assert create["details"]["decided_by"] == "lka-bw.head"
    assert create["details"]["danger"] == "life" and create["details"]["eilfall"] == str(ea.pk)
    assert create["references"][0]["record"] == str(record.pk)
    assert closed["officer"] == "lka-bw.analyst" and closed["purpose"] == "ct_task"
    assert closed["details"]["deleted_or_blocked"] == "deleted"
    fed = {e["action"]: e for e in _events(context, base, "bfdi.supervisor", "BFV")}
    consent = fed["emergency.consent"]
    assert consent["officer"] == "bfv.analyst" and consent["agency"] == "BFV"
    assert consent["purpose"] == "ct_task" and consent["details"]["consent"] == "refused"
    context.close()
    assert owner_page.console_errors == [] and errors == []
