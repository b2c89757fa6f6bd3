"""An integrator's client, generated from the served OpenAPI document, lives on it (issue 14).

Integrations do not read api.md; they generate a client from ``/api/v1/schema/``. This test
does the same with **openapi-python-client** (pinned in requirements-dev.txt): the most used
Python generator, pure Python (no Java toolchain), and strict where it matters — its attrs
models read an answer with ``from_dict`` and fail on drift between the document and the
answer (an array documented as one object, a ``null`` documented as non-nullable, a page
documented as a bare array), and every response comes back as a typed ``Response`` whose
``parsed`` is the model of the documented status, errors included. A status the document
does not list raises (``raise_on_unexpected_status``), so undocumented errors show too.

The app runs on pytest-django's ``live_server`` (committed data: ``transactional_db``). The
schema is downloaded from it once per module, the client generated and imported under a
unique package name; every call of the scenarios below goes through the generated
``sync_detailed`` functions and nothing else. Data the scenarios read are set up through the
service layer, as the other API tests do.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.utils import timezone

from agencies.models import Officer
from tests.conftest import PASSWORD, person_payload
from tests.verbund.api.generated_client import (
    GeneratedClient,
    download_schema,
    generate,
    imported,
    unique_package_name,
)
from verbund.models import CovertHit, Record, Search
from verbund.services.records import record_create
from verbund.services.searches import covert_hits_deliver

# The operations the scenarios use: DRF's default operation ids of the correct shapes
# (``*_list`` for collections, ``*_retrieve`` for one object).
OPERATIONS = (
    "auth_token_create",
    "auth_token_destroy",
    "me_retrieve",
    "agencies_list",
    "files_list",
    "records_list",
    "records_create",
    "records_retrieve",
    "searches_create",
    "searches_retrieve",
    "records_review_create",
    "inbox_list",
    "audit_events_list",
    # Issue 17: supervision, log readers, subject access, the public report.
    "records_history_list",
    "audit_operations_list",
    "supervision_records_retrieve",
    "subject_requests_create",
    "subject_requests_retrieve",
    "reports_statistics_retrieve",
)
OWNER = "lka-he.analyst"  # enters the records the scenarios read
OWNER_HEAD = "lka-he.head"  # decides restricted storage for LKA-HE (R-D4)
SEARCHER = "bfv.analyst"  # another ATD participant
SUPERVISOR = "bfdi.supervisor"  # federal supervisor: controls BFV (R-J1)
DECISION_REASONS = "Schutz einer menschlichen Quelle (R-D4)."
EXTENDED = {
    "phones": ["+49 69 5550123"],
    "skills": ["explosives"],
    "visited_places": ["training_camp"],
}


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def generated(
    live_server: Any,
    django_db_setup: Any,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[GeneratedClient]:
    """Download the served schema, generate the client from it and import it (once)."""
    workdir: Path = tmp_path_factory.mktemp("client_generated")
    package = unique_package_name()
    with django_db_blocker.unblock():
        download_schema(live_server.url, workdir / "schema.json")
    generate(workdir / "schema.json", workdir, package)
    with imported(workdir, package) as module:
        client = GeneratedClient(module, live_server.url)
        try:
            yield client
        finally:
            client.close()


@pytest.fixture
def reference(audit_truncate_allowed: None, live_server: Any) -> dict[str, Any]:
    """Committed reference data and demo officers: the live server reads them."""
    from agencies.services import demo_officers
    from verbund.services.reference import reference_data_ensure

    agencies = reference_data_ensure()
    demo_officers(PASSWORD)
    return agencies


@pytest.fixture
def api(generated: GeneratedClient, reference: dict[str, Any]) -> Iterator[GeneratedClient]:
    """The generated client with fresh throttle counters (kept in the process's cache)."""
    cache.clear()
    yield generated
    cache.clear()
    generated.close()


def _entered(username: str = OWNER, **overrides: Any) -> Record:
    """Enter a record (a person unless ``kind`` says otherwise) through the record service."""
    return record_create(
        actor=Officer.objects.get(username=username), data=person_payload(**overrides)
    )


def _restricted(username: str = OWNER, head: str = OWNER_HEAD, **overrides: Any) -> Record:
    """Enter a restricted record (R-D2): the head decides, extended data are withheld."""
    return _entered(
        username,
        storage="restricted",
        storage_decision={"decided_by": head, "reasons": DECISION_REASONS},
        **overrides,
    )


def _atd_categories(api: GeneratedClient, client: Any) -> tuple[str, str]:
    """Return the first purpose and urgency code of the ATD order, read via ``files_list``."""
    files = api.call("files_list", client, 200)
    (atd,) = [f for f in files if f.code == "ATD"]
    return atd.purposes[0].code, atd.urgencies[0].code


def _search(api: GeneratedClient, client: Any, mode: str, criteria: dict[str, Any]) -> Any:
    """Run one ATD search through ``searches_create`` and return the typed answer."""
    purpose, urgency = _atd_categories(api, client)
    body = api.body(
        "searches_create",
        {
            "file": "ATD",
            "mode": mode,
            "purpose": purpose,
            "urgency": urgency,
            "criteria": criteria,
        },
    )
    return api.call("searches_create", client, 201, body=body)


def _page_number(url: str) -> int:
    """Return the ``page`` query parameter of a page link."""
    return int(parse_qs(urlparse(url).query)["page"][0])


# ---------------------------------------------------------------------------- the document


def test_generated_client_lives_on_the_served_schema(
    generated: GeneratedClient, audit_truncate_allowed: None
) -> None:
    """The served document generates without warnings into a client with every operation."""
    operations = generated.operations()
    missing = [op for op in OPERATIONS if op not in operations]
    assert not missing, (
        f"operations missing from the generated client: {missing}; it has: {sorted(operations)}"
    )
    for op in OPERATIONS:
        assert callable(operations[op].sync_detailed)


# ---------------------------------------------------------------------------- reference data


def test_api_conventions_login_and_me_as_officer_and_as_supervisor(api: GeneratedClient) -> None:
    analyst = api.login(OWNER, PASSWORD)
    me = api.call("me_retrieve", analyst, 200)
    assert me.username == OWNER
    assert me.agency.code == "LKA-HE"
    assert me.agency.name == "Landeskriminalamt Hessen"
    assert list(me.roles) == ["analyst"]
    assert "ATD" in me.files

    supervisor = api.login(SUPERVISOR, PASSWORD)
    me = api.call("me_retrieve", supervisor, 200)
    assert me.username == SUPERVISOR
    assert me.agency is None  # a supervisor belongs to no agency
    assert list(me.roles) == ["supervisor"]


def test_r_a5_agencies_and_files_are_listed_through_the_generated_client(
    api: GeneratedClient,
) -> None:
    client = api.login(OWNER, PASSWORD)
    agencies = api.call("agencies_list", client, 200)
    # A reference list: a bare array (api.md) or a page; either way typed items.
    items = agencies if isinstance(agencies, list) else agencies.results
    by_code = {a.code: a for a in items}
    assert {"BKA", "BPOL", "ZKA", "BFV", "BND", "MAD", "LKA-HE", "LFV-BY"} <= set(by_code)
    assert by_code["MAD"].kind == "intelligence"  # R-A5
    assert by_code["BKA"].level == "federal" and by_code["BKA"].state is None
    assert by_code["LKA-HE"].level == "state" and by_code["LKA-HE"].state == "HE"


def test_files_are_listed_with_typed_categories_through_the_generated_client(
    api: GeneratedClient,
) -> None:
    client = api.login(OWNER, PASSWORD)
    files = api.call("files_list", client, 200)
    files = files if isinstance(files, list) else files.results
    (atd,) = [f for f in files if f.code == "ATD"]
    assert atd.accepts_entries is True
    assert atd.purposes and atd.urgencies
    # Categories are typed {code, label} (a search sends the code).
    assert all(isinstance(p.code, str) and isinstance(p.label, str) for p in atd.purposes)
    assert all(isinstance(u.code, str) and isinstance(u.label, str) for u in atd.urgencies)
    assert "routine" in {u.code for u in atd.urgencies}


# ---------------------------------------------------------------------------- records


def test_records_list_is_a_drf_page_followed_to_page_two(api: GeneratedClient) -> None:
    entered = {str(_entered(basic={"surname": "Seitenweise"}).pk) for _ in range(3)}
    client = api.login(OWNER, PASSWORD)

    first = api.call("records_list", client, 200, page_size=2)
    assert first.count == 3
    assert len(first.results) == 2
    assert first.previous is None
    assert isinstance(first.next_, str) and _page_number(first.next_) == 2

    second = api.call("records_list", client, 200, page=2, page_size=2)
    assert second.count == 3
    assert len(second.results) == 1
    assert second.next_ is None
    assert isinstance(second.previous, str)

    ids_first = {str(r.id) for r in first.results}
    ids_second = {str(r.id) for r in second.results}
    assert not ids_first & ids_second
    assert ids_first | ids_second == entered


def test_r_d1_open_record_is_read_through_the_generated_client(api: GeneratedClient) -> None:
    record = _entered(basic={"surname": "Offenbach", "given_names": "Karl"}, extended=EXTENDED)
    client = api.login(OWNER, PASSWORD)
    shown = api.call("records_retrieve", client, 200, str(record.pk))
    assert str(shown.id) == str(record.pk)
    assert shown.storage == "open"
    # An open record has no storage decision: absent or null, never an invented one.
    assert shown.storage_decision is None or api.is_unset(shown.storage_decision)
    assert shown.basic.surname == "Offenbach"
    assert shown.basic.given_names == "Karl"
    assert list(shown.extended.skills) == ["explosives"]
    assert shown.reference.agency == "LKA-HE"
    assert shown.reference.file_number == record.file_number
    assert shown.version == 1


def test_r_d2_restricted_record_is_read_by_its_owner_through_the_generated_client(
    api: GeneratedClient,
) -> None:
    record = _restricted(basic={"surname": "Zurückhaltend"})
    client = api.login(OWNER, PASSWORD)
    shown = api.call("records_retrieve", client, 200, str(record.pk))
    assert str(shown.id) == str(record.pk)
    assert shown.storage == "restricted"
    assert shown.storage_decision.decided_by == OWNER_HEAD
    assert shown.storage_decision.reasons == DECISION_REASONS
    assert shown.basic.surname == "Zurückhaltend"
    assert "phones" in set(shown.withheld)  # default: every extended field withheld
    extended = shown.extended
    assert api.is_unset(extended) or extended is None or not extended.to_dict()


def test_records_create_through_the_generated_client(api: GeneratedClient) -> None:
    """An integrator enters a record with the typed request body and reads it back."""
    client = api.login(OWNER, PASSWORD)
    body = api.body(
        "records_create",
        person_payload(
            basic={"surname": "Generiert", "given_names": "Greta", "date_of_birth": "1990-01-02"}
        ),
    )
    created = api.call("records_create", client, 201, body=body)
    assert Record.objects.filter(pk=str(created.id), owner__code="LKA-HE").exists()
    shown = api.call("records_retrieve", client, 200, str(created.id))
    assert str(shown.id) == str(created.id)
    assert shown.basic.surname == "Generiert"


# ---------------------------------------------------------------------------- searches


def test_r_e2_name_search_through_the_generated_client(api: GeneratedClient) -> None:
    record = _entered(basic={"surname": "Namensgleich", "given_names": "Hans"})
    client = api.login(SEARCHER, PASSWORD)
    answer = _search(api, client, "name", {"surname": "Namensgleich"})
    assert answer.mode == "name"
    assert answer.hit_count == 1
    (hit,) = answer.hits
    assert str(hit.record) == str(record.pk)
    assert hit.matched_in == "basic"
    assert hit.basic.surname == "Namensgleich"
    assert hit.reference.agency == "LKA-HE"
    assert hit.reference.file_number == record.file_number
    # The stored search reads back the same through searches_retrieve.
    again = api.call("searches_retrieve", client, 200, str(answer.id))
    assert str(again.id) == str(answer.id) and again.hit_count == 1


def test_r_e4_feature_search_through_the_generated_client(api: GeneratedClient) -> None:
    record = _entered(basic={"surname": "Merkmalsträger"}, extended=EXTENDED)
    client = api.login(SEARCHER, PASSWORD)
    answer = _search(api, client, "feature", {"skills": "explosives", "phones": "+49 69 5550123"})
    assert answer.mode == "feature"
    assert answer.hit_count == 1
    (hit,) = answer.hits
    # R-E4: the reference only — no record id, no basic data.
    assert api.absent(hit, "record")
    assert api.absent(hit, "basic")
    assert hit.reference.agency == "LKA-HE"
    assert hit.reference.file_number == record.file_number


def test_r_e7_object_search_through_the_generated_client(api: GeneratedClient) -> None:
    person = _entered(basic={"surname": "Halter"})
    phone = _entered(
        kind="phone",
        case_group="",
        basic=None,
        object={"identifier": "+49 40 7654321", "description": "Prepaid-Anschluss"},
        linked_person=str(person.pk),
    )
    client = api.login(SEARCHER, PASSWORD)
    answer = _search(api, client, "object", {"kind": "phone", "identifier": "+49 40 7654321"})
    assert answer.mode == "object"
    assert answer.hit_count == 1
    (hit,) = answer.hits
    assert str(hit.record) == str(phone.pk)
    assert hit.object_.kind == "phone"
    assert hit.object_.identifier == "+49 40 7654321"
    assert hit.reference.file_number == phone.file_number
    assert api.absent(hit, "basic")  # never the linked person's data (R-E7)


# ---------------------------------------------------------------------------- inbox, audit


def test_r_d3_covert_hit_lands_in_the_inbox_page_of_the_generated_client(
    api: GeneratedClient,
) -> None:
    covert = _entered(
        "bfv.analyst",
        basic={"surname": "Verborgen"},
        storage="covert",
        storage_decision={"decided_by": "bfv.head", "reasons": DECISION_REASONS},
    )
    searcher = api.login(OWNER, PASSWORD)
    answer = _search(api, searcher, "name", {"surname": "Verborgen"})
    assert answer.hit_count == 0 and answer.hits == []  # covert: never shown (R-D3)
    assert covert_hits_deliver(search_id=str(answer.id)) == 1

    owner = api.login("bfv.analyst", PASSWORD)
    page = api.call("inbox_list", owner, 200)
    assert page.count == 1
    assert page.next_ is None and page.previous is None
    (item,) = page.results
    assert item.kind == "covert_hit"
    assert item.file == "ATD"
    assert item.due_at is not None and item.due_at > item.created_at
    covert_hit = CovertHit.objects.get(record=covert, search_id=answer.id)
    assert str(item.subject_id) == str(covert_hit.pk)


def test_r_l4_review_due_and_decision_through_the_generated_client(api: GeneratedClient) -> None:
    """A record entered without dates (LKA-HE has no date rule) is reviewed at once (R-L4a):
    the inbox page reads the typed ``review_due`` item, and the owner's decision answers the
    closed review, both through the generated models (R-L4)."""
    record = _entered(review_date=None, deletion_date=None)
    client = api.login(OWNER, PASSWORD)
    page = api.call("inbox_list", client, 200)
    reviews = [i for i in page.results if i.kind == "review_due"]
    assert len(reviews) == 1
    assert str(reviews[0].payload.record) == str(record.pk)
    next_review = (timezone.localdate() + datetime.timedelta(days=365)).isoformat()
    body = api.body(
        "records_review_create",
        {"outcome": "keep", "reasons": "Weiterhin erforderlich.", "review_date": next_review},
    )
    decided = api.call("records_review_create", client, 200, str(record.pk), body=body)
    assert decided.kind == "review_due"
    assert decided.payload.outcome == "keep"
    assert Record.objects.get(pk=record.pk).review_date.isoformat() == next_review


def test_r_j1_audit_events_page_as_supervisor_through_the_generated_client(
    api: GeneratedClient,
) -> None:
    _entered(basic={"surname": "Protokolliert"})
    searcher = api.login(SEARCHER, PASSWORD)
    answer = _search(api, searcher, "name", {"surname": "Protokolliert"})

    supervisor = api.login(SUPERVISOR, PASSWORD)
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    page = api.call(
        "audit_events_list",
        supervisor,
        200,
        agency=api.arg("audit_events_list", "agency", "BFV"),
        since=api.arg("audit_events_list", "since", since),
    )
    assert page.count >= 1
    assert all(e.agency == "BFV" for e in page.results)
    (event,) = [e for e in page.results if e.action == "search"]
    assert event.object_ == str(answer.id)  # for a search, object is the search's id
    assert event.officer == SEARCHER
    assert event.file == "ATD"


# ---------------------------------------------------------------------------- errors


def test_api_conventions_400_is_a_typed_error_with_its_code(api: GeneratedClient) -> None:
    client = api.login(SEARCHER, PASSWORD)
    purpose, urgency = _atd_categories(api, client)
    body = api.body(
        "searches_create",
        {
            "file": "ATD",
            "mode": "name",
            "purpose": purpose,
            "urgency": urgency,
            "criteria": {"surname": "Mül*"},
        },
    )
    api.error("searches_create", client, 400, "wildcards_not_allowed", body=body)
    assert not Search.objects.exists()


def test_api_conventions_401_is_a_typed_error_with_its_code(api: GeneratedClient) -> None:
    client = api.login(OWNER, PASSWORD)
    api.call("auth_token_destroy", client, 204, parsed=False)  # log out: token revoked
    api.error("me_retrieve", client, 401, "not_authenticated")


@pytest.mark.parametrize(
    ("operation", "username"),
    [
        ("audit_events_list", OWNER),  # supervisors only (R-J1)
        ("records_list", SUPERVISOR),  # the officers' path (api.md: supervisors get 403)
    ],
)
def test_api_conventions_403_is_a_typed_error_with_its_code(
    api: GeneratedClient, operation: str, username: str
) -> None:
    api.error(operation, api.login(username, PASSWORD), 403, "forbidden")


def test_api_conventions_404_is_a_typed_error_with_its_code(api: GeneratedClient) -> None:
    other = _entered("bka.analyst", basic={"surname": "Fremd"})
    client = api.login(OWNER, PASSWORD)
    api.error("records_retrieve", client, 404, "not_found", str(other.pk))
    api.error(
        "records_retrieve",
        client,
        404,
        "not_found",
        "9b2e1c4e-0000-4000-8000-000000000000",
    )


def test_r_e5_rate_limit_is_a_typed_429_with_its_code(api: GeneratedClient, settings: Any) -> None:
    settings.VERBUND_RATE_LIMIT_FACTOR = 0.001  # the order's searches per minute -> 1
    client = api.login(SEARCHER, PASSWORD)
    purpose, urgency = _atd_categories(api, client)
    body = api.body(
        "searches_create",
        {
            "file": "ATD",
            "mode": "name",
            "purpose": purpose,
            "urgency": urgency,
            "criteria": {"surname": "Takt"},
        },
    )
    _wait_for_a_fresh_minute()
    api.call("searches_create", client, 201, body=body)
    api.error("searches_create", client, 429, "rate_limited", body=body)
    assert Search.objects.count() == 1


def test_api_conventions_login_lockout_is_a_typed_429_with_its_code(api: GeneratedClient) -> None:
    anonymous = api.anonymous()
    wrong = api.body("auth_token_create", {"username": "lfv-by.head", "password": "wrong"})
    for _ in range(4):
        api.error("auth_token_create", anonymous, 400, "invalid_credentials", body=wrong)
    api.error("auth_token_create", anonymous, 429, "locked_out", body=wrong)


def _wait_for_a_fresh_minute() -> None:
    """Sleep past the minute boundary when it is near: the search window is one minute."""
    second = timezone.now().second
    if second >= 50:
        time.sleep(61 - second)


# ---------------------------------------------------------------------------- issue 17


def test_r_i5_log_history_and_operations_log_through_the_generated_client(
    api: GeneratedClient,
) -> None:
    """The owner's head reads a record's log history; an operator reads the operations log."""
    record = _entered(basic={"surname": "Verlauf"})
    head = api.login(OWNER_HEAD, PASSWORD)
    history = api.call("records_history_list", head, 200, str(record.pk))
    actions = [entry.action for entry in history.results]
    assert "record.create" in actions
    operator = api.login("bka.betrieb", PASSWORD)
    operations = api.call("audit_operations_list", operator, 200)
    assert operations.results and all(isinstance(e.action, str) for e in operations.results)
    # An analyst is no head: typed 403.
    api.error("records_history_list", api.login(OWNER, PASSWORD), 403, "not_head", str(record.pk))


def test_r_j6_supervisor_reads_a_record_through_the_generated_client(api: GeneratedClient) -> None:
    record = _entered(basic={"surname": "Kontrolliert"})
    supervisor = api.login("lfd-he.supervisor", PASSWORD)
    shown = api.call("supervision_records_retrieve", supervisor, 200, str(record.pk))
    assert str(shown.id) == str(record.pk)


def test_r_k1_subject_request_through_the_generated_client(api: GeneratedClient) -> None:
    """The BKA's desk records a request; the typed answer lists the consultations."""
    _entered(
        basic={"surname": "Antragsteller", "given_names": "Anna", "date_of_birth": "1980-01-02"}
    )
    desk = api.login("bka.auskunft", PASSWORD)
    body = api.body(
        "subject_requests_create",
        {
            "applicant": {
                "surname": "Antragsteller",
                "given_names": "Anna",
                "date_of_birth": "1980-01-02",
            },
            "asks": ["access"],
        },
    )
    created = api.call("subject_requests_create", desk, 201, body=body)
    assert [c.agency for c in created.consultations] == ["LKA-HE"]
    again = api.call("subject_requests_retrieve", desk, 200, str(created.id))
    assert str(again.id) == str(created.id)


def test_r_j5_public_statistics_through_the_generated_client(api: GeneratedClient) -> None:
    _entered(basic={"surname": "Gezählt"})
    report = api.call("reports_statistics_retrieve", api.anonymous(), 200)
    # The generated model names the files' figures by their codes (ATD, GWS).
    figures = report.files.to_dict()
    assert set(figures) == {"ATD", "GWS"}
    assert figures["ATD"]["records"]["open"] >= 1
