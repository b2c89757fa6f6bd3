"""The supervision console at /aufsicht/: supervisors only, their whole workplace (issue 17)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Officer
from audit.models import AuditEvent, ControlPlan
from tests.conftest import PASSWORD
from tests.verbund.supervision.conftest import covert_payload
from verbund.models import InboxItem

pytestmark = pytest.mark.django_db

LOG = "/aufsicht/audit/auditevent/"


def text(response: Any) -> str:
    return response.content.decode()


def test_r_j1_console_is_for_supervisors_only(browser: Any) -> None:
    assert Client().get("/aufsicht/").status_code == 302
    assert "/anmelden/" in Client().get("/aufsicht/")["Location"]
    assert browser("bka.analyst").get("/aufsicht/").status_code == 403
    assert browser("bka.head").get(LOG).status_code == 403
    response = browser("bfdi.supervisor").get("/aufsicht/")
    assert response.status_code == 200
    assert "Aufsichtskonsole" in text(response)
    # The officers' overdue page keeps working beside the console.
    assert browser("bfdi.supervisor").get("/aufsicht/ueberfaellig/").status_code == 200


def test_r_j1_supervisor_lands_on_the_console_after_login(reference: Any) -> None:
    client = Client()
    page = client.get("/anmelden/")
    assert page.status_code == 200
    response = client.post("/anmelden/", {"username": "bfdi.supervisor", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/aufsicht/"
    assert "/aufsicht/" in client.get("/").content.decode()


def test_r_j1_supervisor_navigation_is_not_the_officers(browser: Any) -> None:
    page = text(browser("bfdi.supervisor").get("/aufsicht/ueberfaellig/"))
    assert "Aufsichtskonsole" in page and "Neuer Datensatz" not in page
    console = text(browser("bfdi.supervisor").get("/aufsicht/"))
    for label in ("Protokoll", "Delegationen", "Pflichtkontrollen", "Bericht"):
        assert label in console, label


def test_r_i4_console_log_filters_and_logs_the_read(browser: Any, make_record: Any) -> None:
    record = make_record("lka-bw.analyst")
    make_record("lka-by.analyst")
    client = browser("lfd-bw.supervisor")
    page = client.get(LOG)
    assert page.status_code == 200
    assert record.file_number in text(page)
    assert "Datensatz angelegt" in text(page)
    assert "LKA-BY" not in re.sub(r"<select.*?</select>", "", text(page), flags=re.S)
    filtered = client.get(f"{LOG}?officer=lka-bw.analyst&action=record.create&file=ATD")
    assert filtered.status_code == 200 and record.file_number in text(filtered)
    none = client.get(f"{LOG}?officer=nobody")
    assert record.file_number not in text(none)
    read = AuditEvent.objects.filter(action="audit.read").order_by("-seq").first()
    assert read is not None and read.details["via"] == "console"
    assert read.details["query"]["officer"] == ["nobody"]


def test_r_i4_console_log_never_counts_the_whole_table(browser: Any, make_record: Any) -> None:
    make_record("lka-bw.analyst")
    with CaptureQueriesContext(connection) as queries:
        assert browser("lfd-bw.supervisor").get(LOG).status_code == 200
    counts = [
        q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "audit_auditevent" in q["sql"]
    ]
    assert counts, "the capped count runs"
    assert all("LIMIT" in sql.upper() for sql in counts), counts


def test_r_i4_console_drill_down_by_record_and_time_range(browser: Any, make_record: Any) -> None:
    record = make_record("lka-bw.analyst")
    other = make_record("lka-bw.analyst")
    client = browser("lfd-bw.supervisor")
    page = text(client.get(f"{LOG}?ref={record.pk}"))
    assert record.file_number in page and other.file_number not in page
    today = timezone.localdate().isoformat()
    assert record.file_number in text(client.get(f"{LOG}?since={today}&until={today}"))
    past = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
    assert record.file_number not in text(client.get(f"{LOG}?until={past}"))


def test_r_i5_console_hides_covert_references_outside_competence(
    browser: Any, make_record: Any, api: Any
) -> None:
    covert = make_record("bfv.analyst", **covert_payload())
    api("lka-bw.analyst").post(
        "/api/v1/searches/",
        {
            "file": "ATD",
            "mode": "name",
            "purpose": "ct_task",
            "urgency": "routine",
            "criteria": {"surname": "Al-Masri"},
        },
        format="json",
    )
    assert covert.file_number not in text(browser("lfd-bw.supervisor").get(LOG))
    assert covert.file_number in text(browser("bfdi.supervisor").get(f"{LOG}?agency=BFV"))


def test_r_j6_console_record_page_and_complaint(browser: Any, make_record: Any) -> None:
    record = make_record("bfv.analyst", **covert_payload())
    client = browser("bfdi.supervisor")
    page = client.get(f"/aufsicht/datensaetze/{record.pk}/")
    assert page.status_code == 200
    assert record.file_number in text(page) and "Quellenschutz" in text(page)
    assert AuditEvent.objects.filter(action="supervision.record_read").count() == 1
    empty = client.post(f"/aufsicht/datensaetze/{record.pk}/", {"text": ""})
    assert empty.status_code == 400 and "Beanstandung angeben" in text(empty)
    sent = client.post(f"/aufsicht/datensaetze/{record.pk}/", {"text": "Nicht erforderlich."})
    assert sent.status_code == 302
    assert InboxItem.objects.filter(record=record, kind="review_due").exists()
    after = text(client.get(f"/aufsicht/datensaetze/{record.pk}/"))
    assert "Nicht erforderlich." in after
    complaints = text(client.get("/aufsicht/beanstandungen/"))
    assert "Nicht erforderlich." in complaints
    # Outside jurisdiction: 404 like an unknown id.
    assert (
        browser("lfd-bw.supervisor").get(f"/aufsicht/datensaetze/{record.pk}/").status_code == 404
    )
    assert client.get("/aufsicht/datensaetze/?q=" + str(record.pk)).status_code == 302


def test_r_l6_console_lists_overdue_duties_per_agency(browser: Any, make_record: Any) -> None:
    record = make_record("lka-bw.analyst")
    browser("lfd-bw.supervisor").post(f"/aufsicht/datensaetze/{record.pk}/", {"text": "Prüfen."})
    later = timezone.now() + datetime.timedelta(days=30)
    import time_machine

    with time_machine.travel(later, tick=False):
        page = browser("lfd-bw.supervisor").get("/aufsicht/pflichten/")
        assert page.status_code == 200
        assert "Landeskriminalamt Baden-Württemberg" in text(page) or "LKA-BW" in text(page)
        assert record.file_number in text(page)
        assert AuditEvent.objects.filter(action="overdue.read").exists()


def test_r_j2_console_delegation_and_revocation(browser: Any) -> None:
    client = browser("lfd-by.supervisor")
    until = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    missing = client.post(
        "/aufsicht/delegationen/",
        {"agency": "LKA-BY", "to_jurisdiction": "BW", "valid_until": until, "reasons": "x"},
    )
    assert missing.status_code == 400 and "Befugnis" in text(missing)
    done = client.post(
        "/aufsicht/delegationen/",
        {
            "agency": "LKA-BY",
            "to_jurisdiction": "BW",
            "scope": ["log"],
            "valid_until": until,
            "reasons": "Gemeinsame Prüfung",
        },
    )
    assert done.status_code == 302
    listed = text(browser("lfd-bw.supervisor").get("/aufsicht/delegationen/"))
    assert "Gemeinsame Prüfung" in listed and "in Kraft" in listed
    from agencies.models import Delegation

    delegation = Delegation.objects.get()
    assert (
        browser("lfd-bw.supervisor")
        .post(f"/aufsicht/delegationen/{delegation.pk}/widerruf/")
        .status_code
        == 302
    )
    delegation.refresh_from_db()
    assert delegation.revoked_at is None  # the delegate cannot revoke
    client.post(f"/aufsicht/delegationen/{delegation.pk}/widerruf/")
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None


def test_r_j7_console_control_plan_and_control(browser: Any) -> None:
    client = browser("lfd-bw.supervisor")
    too_long = client.post(
        "/aufsicht/kontrollen/", {"agency": "LKA-BW", "file": "ATD", "cycle_months": "24"}
    )
    assert too_long.status_code == 400 and "18 Monate" in text(too_long)
    start = (timezone.localdate() - datetime.timedelta(days=400)).isoformat()
    assert (
        client.post(
            "/aufsicht/kontrollen/",
            {"agency": "LKA-BW", "file": "ATD", "cycle_months": "12", "starts_on": start},
        ).status_code
        == 302
    )
    page = text(client.get("/aufsicht/kontrollen/"))
    assert "überfällig" in page
    plan = ControlPlan.objects.get()
    recorded = client.post(
        f"/aufsicht/kontrollen/{plan.pk}/",
        {
            "period_from": start,
            "period_to": timezone.localdate().isoformat(),
            "done_on": timezone.localdate().isoformat(),
            "findings": "Ohne Befund.",
        },
    )
    assert recorded.status_code == 302
    assert "Ohne Befund." in text(client.get("/aufsicht/kontrollen/"))
    assert browser("lfd-by.supervisor").get(f"/aufsicht/kontrollen/{plan.pk}/").status_code == 404


def test_r_i4_console_is_in_english_too(browser: Any) -> None:
    page = text(browser("bfdi.supervisor", language="en").get("/aufsicht/"))
    assert "Supervision console" in page and "Mandatory controls" in page


def test_r_j1_superusers_keep_the_admin_beside_the_console(reference: Any) -> None:
    Officer.objects.create_superuser("root", "root@example.org", "x" * 20, role="analyst")
    client = Client()
    client.force_login(Officer.objects.get(username="root"))
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("language", ["de", "en"])
def test_r_i4_console_pages_show_no_codes_or_requirement_ids(
    browser: Any, make_record: Any, language: str, delegate: Any
) -> None:
    record = make_record("lka-bw.analyst")
    client = browser("lfd-bw.supervisor", language=language)
    client.post(f"/aufsicht/datensaetze/{record.pk}/", {"text": "Bitte prüfen."})
    client.post("/aufsicht/kontrollen/", {"agency": "LKA-BW", "file": "ATD", "cycle_months": "6"})
    delegate(agency="LKA-BY", source="BY", target="BW")
    pages = [
        "/aufsicht/",
        LOG,
        "/aufsicht/datensaetze/",
        f"/aufsicht/datensaetze/{record.pk}/",
        "/aufsicht/beanstandungen/",
        "/aufsicht/pflichten/",
        "/aufsicht/delegationen/",
        "/aufsicht/kontrollen/",
        "/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        visible = re.sub(
            r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", "", text(response), flags=re.S)
        )
        assert not re.search(r"R-[A-N][0-9]", visible), url
        for code in (
            "record.create",
            "record.review_open",
            "review_due",
            "supervision.",
            "ct_task",
        ):
            assert code not in visible, (url, code)
