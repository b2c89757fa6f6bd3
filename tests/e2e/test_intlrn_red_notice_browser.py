"""End-to-end (R-N2): a BKA head reviews Red Notices on the page „Red-Notice-Prüfung“ in
Debian's Chromium; a search citing the rejected notice gets 422 ``notice_not_accepted``, a
search citing the accepted one goes through and writes the citation."""

from __future__ import annotations

from typing import Any

import pytest
from knox.models import AuthToken

from agencies.models import Officer
from international.models import NoticeStatus, RedNotice, SearchCitation
from international.services.notices import notice_receive
from tests.e2e.conftest import SCREENSHOTS, login
from tests.international.helpers import notice_body

SEARCH = {
    "file": "ATD",
    "mode": "name",
    "purpose": "ct_task",
    "urgency": "routine",
    "criteria": {"surname": "Doe"},
}


def _token(username: str) -> str:
    return AuthToken.objects.create(user=Officer.objects.get(username=username), expiry=None)[1]


def _review(page: Any, base: str, notice: RedNotice, *, answer: str, decision: str) -> None:
    page.goto(f"{base}/international/red-notices/")
    assert "Red-Notice-Prüfung" in page.inner_text("h1")
    page.click(f"#red-notices >> text={notice.interpol_reference}")
    page.wait_for_url(f"{base}/international/red-notices/{notice.pk}/")
    assert "Politisch motivierte Strafverfolgung ist ausgeschlossen." in page.inner_text(
        "#decision"
    )
    page.check(f"input[name=checklist_political_prosecution][value={answer}]")
    page.check(f"input[name=decision][value={decision}]")
    page.fill("textarea[name=reasons]", "Geprüft anhand der Prüfliste.")
    page.click("#decision button[type=submit]")
    page.wait_for_selector(".alert-success")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_r_n2_browser_rejected_notice_gets_422_when_a_search_cites_it(
    chromium_page: Any, live_server: Any
) -> None:
    page, base = chromium_page, live_server.url
    receiver = Officer.objects.get(username="bka.analyst")
    rejected, _ = notice_receive(actor=receiver, data=notice_body(country="TR"))
    accepted, _ = notice_receive(actor=receiver, data=notice_body(country="US"))
    login(page, base, "bka.head")

    # A criterion not met cannot be accepted: the page says so in German.
    page.goto(f"{base}/international/red-notices/{rejected.pk}/")
    page.check("input[name=checklist_political_prosecution][value=not_met]")
    page.check("input[name=decision][value=accept]")
    page.fill("textarea[name=reasons]", "Versuch.")
    page.click("#decision button[type=submit]")
    assert "kann nicht angenommen werden" in page.inner_text("#decision")
    assert RedNotice.objects.get(pk=rejected.pk).status == NoticeStatus.IN_REVIEW

    _review(page, base, rejected, answer="not_met", decision="reject")
    assert page.inner_text("#notice-status") == "abgelehnt"
    page.screenshot(path=str(SCREENSHOTS / "red_notice_rejected.png"), full_page=True)
    _review(page, base, accepted, answer="met", decision="accept")
    assert page.inner_text("#notice-status") == "angenommen"
    # The refused acceptance answered 422 on purpose; nothing else may fail (CSP, scripts).
    assert [e for e in page.console_errors if "status of 422" not in e] == []

    headers = {"Authorization": f"Token {_token('lka-bw.analyst')}"}
    refused = page.context.request.post(
        f"{base}/api/v1/searches/", data={**SEARCH, "red_notice": str(rejected.pk)}, headers=headers
    )
    assert refused.status == 422, refused.text()
    assert refused.json()["code"] == "notice_not_accepted"
    passed = page.context.request.post(
        f"{base}/api/v1/searches/", data={**SEARCH, "red_notice": str(accepted.pk)}, headers=headers
    )
    assert passed.status == 201, passed.text()
    citation = SearchCitation.objects.get(search_id=passed.json()["id"])
    assert citation.red_notice_id == accepted.pk
    assert not SearchCitation.objects.filter(red_notice_id=rejected.pk).exists()
