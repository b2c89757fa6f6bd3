"""Officers see labels, never codes or requirement ids: no page and no service error an
officer sees carries an id such as "R-A4" or "R-L4a", in German or in English.

Requirement ids stay in docstrings, comments, test names and the OpenAPI text meant for
integrators; this module checks only what reaches the officer.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from rest_framework.test import APIClient

from agencies.models import FileAuthorisation, Officer
from tests.conftest import PASSWORD, person_payload
from verbund.models import CovertHit, Record
from verbund.services.records import record_block, record_create
from verbund.services.searches import covert_hits_deliver

pytestmark = pytest.mark.django_db

REQUIREMENT_ID = re.compile(r"R-[A-N][0-9]")
DECISION = {"decided_by": "bka.head", "reasons": "Schutz einer menschlichen Quelle."}
SEARCHES = "/api/v1/searches/"
RECORDS = "/api/v1/records/"


def assert_no_requirement_id(text: str, where: str) -> None:
    """Fail with every requirement id found in ``text`` and a little of its context."""
    found = [text[max(0, m.start() - 80) : m.end() + 20] for m in REQUIREMENT_ID.finditer(text)]
    assert not found, f"{where}: requirement ids shown to the officer: {found}"


def browser(username: str | None, language: str) -> Client:
    """Return a session client in ``language``, logged in as ``username`` (or anonymous)."""
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    if username:
        client.force_login(Officer.objects.get(username=username))
    return client


def page(client: Client, method: str, url: str, language: str, status: int, **data: Any) -> str:
    """Fetch a page, check its status and language, and return its HTML."""
    response = getattr(client, method)(url, data) if method == "post" else client.get(url)
    html = response.content.decode()
    assert response.status_code == status, (url, response.status_code, html[:1500])
    assert f'<html lang="{language}">' in html, url
    return html


def enter(username: str, **overrides: Any) -> Record:
    return record_create(
        actor=Officer.objects.get(username=username), data=person_payload(**overrides)
    )


@pytest.fixture
def officer_records(reference: dict[str, Any]) -> dict[str, Record]:
    """Own BKA records that bring every optional part of the record pages on screen."""
    open_record = enter(
        "bka.analyst",
        basic={"surname": "Haddad", "given_names": "Youssef", "aliases": ["Abu Yusuf"]},
        extended={
            "religion": "islam_sunni",
            "religion_reason": "Identifizierung: Auftreten als Imam der Gruppe",
            "skills": ["explosives"],
            "contact_persons": [{"surname": "Khalil", "given_names": "Ibrahim"}],
            "free_text": "Tritt unter wechselnden Namen auf.",
        },
    )
    restricted = enter(
        "bka.analyst",
        storage="restricted",
        storage_decision=DECISION,
        withheld=["free_text", "religion"],
    )
    covert = enter(
        "bka.analyst",
        basic={"surname": "Tarnung", "given_names": "Karl"},
        storage="covert",
        markings=["art10"],
        storage_decision=DECISION,
    )
    blocked = enter("bka.analyst")
    record_block(
        actor=Officer.objects.get(username="bka.analyst"),
        record_id=blocked.pk,
        reason="Schutzwürdige Interessen der betroffenen Person",
    )
    obj = record_create(
        actor=Officer.objects.get(username="bka.analyst"),
        data={
            "file": "ATD",
            "kind": "bank_account",
            "storage": "open",
            "findings_basis": "Kontoauswertung im Verfahren 2 BJs 1/26",
            "object": {"identifier": "DE-KONTO-0001", "description": "genutzt von Haddad"},
            "linked_person": str(open_record.pk),
            "reference": {"file_number": "OBJ-UI-1", "classification": "VS-NfD"},
        },
    )
    # A covert hit in the BKA's inbox: another agency's query matched the covert record.
    searcher = APIClient()
    searcher.force_authenticate(Officer.objects.get(username="lka-sn.analyst"))
    body = searcher.post(
        SEARCHES,
        {
            "file": "ATD",
            "mode": "name",
            "purpose": "ct_task",
            "urgency": "routine",
            "criteria": {"surname": "Tarnung"},
        },
        format="json",
    ).json()
    covert_hits_deliver(search_id=body["id"])
    assert CovertHit.objects.filter(search_id=body["id"], record=covert).exists()
    return {
        "open": open_record,
        "restricted": restricted,
        "covert": covert,
        "blocked": blocked,
        "object": obj,
    }


@pytest.mark.parametrize("language", ["de", "en"])
def test_officer_pages_show_no_requirement_ids(
    officer_records: dict[str, Record], language: str
) -> None:
    anonymous = browser(None, language)
    shown = {
        "login": page(anonymous, "get", "/anmelden/", language, 200),
        "catalogue": page(anonymous, "get", "/katalog/", language, 200),
    }
    client = browser("bka.analyst", language)
    own = officer_records["open"]
    shown |= {
        "home": page(client, "get", "/", language, 200),
        "record list": page(client, "get", "/datensaetze/", language, 200),
        "new record": page(client, "get", "/datensaetze/neu/", language, 200),
        "edit": page(client, "get", f"/datensaetze/{own.pk}/bearbeiten/", language, 200),
        "block": page(client, "get", f"/datensaetze/{own.pk}/sperren/", language, 200),
        "delete": page(client, "get", f"/datensaetze/{own.pk}/loeschen/", language, 200),
        "search (name)": page(client, "get", "/suche/", language, 200),
        "search (feature)": page(client, "get", "/suche/?mode=feature", language, 200),
        "search (object)": page(client, "get", "/suche/?mode=object", language, 200),
        "search (GWS)": page(client, "get", "/suche/?file=GWS", language, 200),
        "inbox": page(client, "get", "/eingang/", language, 200),
    }
    for name, record in officer_records.items():
        shown[f"detail ({name})"] = page(client, "get", f"/datensaetze/{record.pk}/", language, 200)
    # The parts that show only in some states must really be on screen.
    blocked_hint = {"de": "Gesperrt statt gelöscht", "en": "Blocked instead of deleted"}
    withheld_hint = {"de": "beschränkte Speicherung", "en": "restricted storage"}
    decision_hint = {"de": "dokumentieren Sie die Gründe", "en": "document the reasons"}
    assert blocked_hint[language] in shown["detail (blocked)"]
    assert withheld_hint[language] in shown["detail (restricted)"]
    assert "lka-sn.analyst" in shown["inbox"] and decision_hint[language] in shown["inbox"]

    # Service refusals shown on the pages: form errors of an entry, a refused search.
    shown["new record, refused"] = page(
        client,
        "post",
        "/datensaetze/neu/",
        language,
        400,
        file="ATD",
        kind="person",
        case_group="1a",
        storage="covert",
        decided_by="bka.head",
        decision_reasons="",
        markings=["art10"],
        findings_basis="",
        surname="Haddad",
        file_number="UI-REFUSED-1",
        contact_rows="0",
    )
    shown["search, wildcard refused"] = page(
        client,
        "post",
        "/suche/",
        language,
        400,
        mode="name",
        file="ATD",
        purpose="ct_task",
        urgency="routine",
        surname="Hadd*",
    )
    shown["search with hits"] = page(
        client,
        "post",
        "/suche/",
        language,
        200,
        mode="name",
        file="ATD",
        purpose="ct_task",
        urgency="routine",
        surname="Haddad",
    )
    assert own.file_number in shown["search with hits"]
    for name, html in shown.items():
        assert_no_requirement_id(html, f"{name} [{language}]")
    # Nor machine codes: a refusal shows its label; the code stays in an attribute only.
    refused = shown["search, wildcard refused"]
    assert 'data-error-code="wildcards_not_allowed"' in refused
    assert "wildcards_not_allowed" not in re.sub(r"<[^>]*>", "", refused)


def test_login_with_password_then_start_page_shows_no_requirement_ids(
    reference: dict[str, Any],
) -> None:
    client = Client()
    response = client.post("/anmelden/", {"username": "bka.analyst", "password": PASSWORD})
    assert response.status_code == 302
    assert_no_requirement_id(client.get("/").content.decode(), "start page after login")


def test_start_page_without_file_authorisation_shows_no_requirement_ids(
    reference: dict[str, Any],
) -> None:
    FileAuthorisation.objects.filter(officer__username="bka.analyst").delete()
    for language in ("de", "en"):
        html = page(browser("bka.analyst", language), "get", "/", language, 200)
        assert_no_requirement_id(html, f"start page without files [{language}]")


# ---------------------------------------------------------------- service errors in the API


def _search(client: APIClient, criteria: Any, **overrides: Any) -> Any:
    body = {"file": "ATD", "mode": "name", "purpose": "ct_task", "urgency": "routine"}
    body |= {"criteria": criteria, **overrides}
    return client.post(SEARCHES, body, format="json")


def _rate_limited(api: Callable[[str], APIClient], settings: Any) -> Any:
    settings.VERBUND_RATE_LIMIT_FACTOR = 0.1  # 30 per minute in the order -> 3
    client = api("lka-mv.analyst")
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 15, 20, tzinfo=datetime.UTC)):
        for _ in range(3):
            assert _search(client, {"surname": "Takt"}).status_code == 201
        return _search(client, {"surname": "Takt"})


def _bad_case_group(api: Callable[[str], APIClient], settings: Any) -> Any:
    return api("bka.analyst").post(RECORDS, person_payload(case_group="3"), format="json")


def _missing_decision_reasons(api: Callable[[str], APIClient], settings: Any) -> Any:
    payload = person_payload(storage="covert", storage_decision={"decided_by": "bka.head"})
    return api("bka.analyst").post(RECORDS, payload, format="json")


def _decision_not_authorised(api: Callable[[str], APIClient], settings: Any) -> Any:
    decision = {"decided_by": "bka.analyst", "reasons": "Quellenschutz."}
    payload = person_payload(storage="covert", storage_decision=decision)
    return api("bka.analyst").post(RECORDS, payload, format="json")


def _non_owner_change(api: Callable[[str], APIClient], settings: Any) -> Any:
    gws = enter("lka-bw.analyst", file="GWS", case_group="", storage="open")
    return api("bka.analyst").patch(
        f"{RECORDS}{gws.pk}/", {"findings_basis": "ergänzt"}, format="json"
    )


def _blocked_change(api: Callable[[str], APIClient], settings: Any) -> Any:
    record = enter("bka.analyst")
    record_block(
        actor=Officer.objects.get(username="bka.analyst"), record_id=record.pk, reason="Sperre"
    )
    return api("bka.analyst").patch(
        f"{RECORDS}{record.pk}/", {"findings_basis": "ergänzt"}, format="json"
    )


def _wildcard(api: Callable[[str], APIClient], settings: Any) -> Any:
    return _search(api("lka-bw.analyst"), {"surname": "Mül*"})


def _batch(api: Callable[[str], APIClient], settings: Any) -> Any:
    return api("lka-bw.analyst").post(SEARCHES, [{"file": "ATD"}], format="json")


def _file_not_authorised(api: Callable[[str], APIClient], settings: Any) -> Any:
    FileAuthorisation.objects.filter(officer__username="lka-bw.analyst", file__code="ATD").delete()
    return _search(api("lka-bw.analyst"), {"surname": "Haddad"})


def _too_many_hits(api: Callable[[str], APIClient], settings: Any) -> Any:
    from verbund.models import EstablishmentOrder

    EstablishmentOrder.objects.filter(file__code="ATD").update(hit_limit=1)
    enter("bka.analyst", basic={"surname": "Vielfach"})
    enter("bka.analyst", basic={"surname": "Vielfach"})
    return _search(api("lka-bw.analyst"), {"surname": "Vielfach"})


@pytest.mark.parametrize(
    ("make_error", "status", "code"),
    [
        (_rate_limited, 429, "rate_limited"),
        (_bad_case_group, 400, "invalid_case_group"),
        (_missing_decision_reasons, 400, "storage_decision_required"),
        (_decision_not_authorised, 403, "decision_not_authorised"),
        (_non_owner_change, 403, "not_owner"),
        (_blocked_change, 409, "record_blocked"),
        (_wildcard, 400, "wildcards_not_allowed"),
        (_batch, 400, "batch_not_allowed"),
        (_file_not_authorised, 403, "not_authorised"),
        (_too_many_hits, 422, "too_many_hits"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)
def test_service_errors_carry_no_requirement_ids(
    reference: dict[str, Any],
    api: Callable[[str], APIClient],
    settings: Any,
    make_error: Callable[..., Any],
    status: int,
    code: str,
) -> None:
    response = make_error(api, settings)
    body = response.json()
    assert response.status_code == status, body
    # The machine code stays; only the German text for the officer loses the id.
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    assert_no_requirement_id(body["detail"], f"{code} detail")
    assert_no_requirement_id(repr(body.get("fields", {})), f"{code} fields")
