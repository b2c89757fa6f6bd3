"""Permission matrix over every record endpoint (R-H1, architecture rule 9).

Rows: anonymous, supervisor, officer without file authorisation, own agency, other agency,
covert record of another agency, missing id, malformed id, GWS participant with view access.
Every successful call is checked for its audit row and a query budget; every refusal for
the error shape and for storing nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from agencies.models import FileAuthorisation, Officer
from audit.models import AuditEvent
from tests.conftest import person_payload
from tests.verbund.records.support import Stock, assert_error
from verbund.models import InboxItem, Record

RECORDS = "/api/v1/records/"


@dataclass(frozen=True)
class Endpoint:
    """One record endpoint: how to call it and what success looks like."""

    name: str
    method: str
    suffix: str | None  # None: the collection; otherwise appended to /records/{id}/
    body: dict[str, Any] | None
    ok: int
    action: str
    budget: int
    # Audit rows written: a correction notice also opens a review of the record (R-L4).
    rows: int = 1

    def url(self, record_id: Any) -> str:
        if self.suffix is None:
            return RECORDS
        return f"{RECORDS}{record_id}/{self.suffix}"

    def call(self, client: Any, record_id: Any = None) -> Any:
        body = self.body
        if self.name == "create":
            body = person_payload()
        return getattr(client, self.method)(self.url(record_id), body, format="json")


# Budgets: measured counts plus headroom; they catch N+1 queries and per-row permission checks.
LIST = Endpoint("list", "get", None, None, 200, "record.list", 15)
CREATE = Endpoint("create", "post", None, {}, 201, "record.create", 65)
READ = Endpoint("read", "get", "", None, 200, "record.view", 15)
UPDATE = Endpoint("update", "patch", "", {"findings_basis": "ergänzt"}, 200, "record.update", 35)
DELETE = Endpoint("delete", "delete", "", None, 204, "record.delete", 30)
BLOCK = Endpoint("block", "post", "block/", {"reason": "Löschung schadet"}, 200, "record.block", 20)
CORRECTION = Endpoint(
    "correction",
    "post",
    "correction-notices/",
    {"text": "Geburtsdatum unrichtig"},
    201,
    "record.correction_notice",
    30,
    2,
)
ALL = [LIST, CREATE, READ, UPDATE, DELETE, BLOCK, CORRECTION]
DETAIL = [READ, UPDATE, DELETE, BLOCK, CORRECTION]
OWNER_ONLY = [UPDATE, DELETE, BLOCK]
ids = [e.name for e in ALL]
detail_ids = [e.name for e in DETAIL]


@pytest.fixture
def bka_record(make_record: Any) -> Record:
    """An open ATD record of the BKA, entered by a colleague of the caller."""
    return make_record("bka.head")


@pytest.fixture
def bka_covert(make_record: Any) -> Record:
    return make_record(
        "bka.head",
        storage="covert",
        storage_decision={"decided_by": "bka.head", "reasons": "Quellenschutz"},
    )


@pytest.fixture
def gws_record(api: Any) -> dict[str, Any]:
    response = api("lka-bw.analyst").post(
        RECORDS,
        {
            "file": "GWS",
            "kind": "person",
            "basic": {"surname": "Weiß", "given_names": "Stefan"},
            "reference": {"file_number": "VB-LKA-BW-42"},
        },
        format="json",
    )
    assert response.status_code == 201
    return response.json()


def last_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    return event


# ---------------------------------------------------------------- anonymous, supervisor


@pytest.mark.parametrize("endpoint", ALL, ids=ids)
def test_r_h1_anonymous_gets_401_in_the_error_shape(
    api: Any, bka_record: Record, endpoint: Endpoint
) -> None:
    stock = Stock()
    assert_error(endpoint.call(api(), bka_record.pk), 401, "not_authenticated")
    stock.assert_unchanged()


@pytest.mark.parametrize("endpoint", ALL, ids=ids)
def test_r_h1_invalid_token_gets_401(api: Any, bka_record: Record, endpoint: Endpoint) -> None:
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    stock = Stock()
    assert_error(endpoint.call(client, bka_record.pk), 401, "not_authenticated")
    stock.assert_unchanged()


@pytest.mark.parametrize("supervisor", ["bfdi.supervisor", "lfd-bw.supervisor"])
@pytest.mark.parametrize("endpoint", ALL, ids=ids)
def test_r_h1_supervisor_gets_403_on_the_officers_paths(
    api: Any, bka_record: Record, endpoint: Endpoint, supervisor: str
) -> None:
    stock = Stock()
    assert_error(endpoint.call(api(supervisor), bka_record.pk), 403, "forbidden")
    stock.assert_unchanged()


# ---------------------------------------------------------------- no file authorisation


@pytest.mark.parametrize("endpoint", DETAIL, ids=detail_ids)
def test_r_h1_officer_without_file_authorisation_gets_404_on_a_record(
    api: Any, bka_record: Record, endpoint: Endpoint
) -> None:
    FileAuthorisation.objects.filter(officer__username="bka.analyst").delete()
    stock = Stock()
    assert_error(endpoint.call(api("bka.analyst"), bka_record.pk), 404, "not_found")
    stock.assert_unchanged()
    assert Record.objects.filter(pk=bka_record.pk, version=1, status="active").exists()


def test_r_h1_officer_without_file_authorisation_may_not_create(api: Any) -> None:
    FileAuthorisation.objects.filter(officer__username="bka.analyst").delete()
    stock = Stock()
    assert_error(CREATE.call(api("bka.analyst")), 403, "not_authorised", "file")
    stock.assert_unchanged()


def test_r_h1_officer_without_file_authorisation_lists_nothing(
    api: Any, bka_record: Record
) -> None:
    FileAuthorisation.objects.filter(officer__username="bka.analyst").delete()
    response = LIST.call(api("bka.analyst"))
    assert response.status_code == 200
    assert response.json()["count"] == 0 and response.json()["results"] == []
    assert api("bka.head").get(RECORDS).json()["count"] == 1


# ---------------------------------------------------------------- own agency


@pytest.mark.parametrize("endpoint", ALL, ids=ids)
def test_r_h1_own_agency_succeeds_with_audit_row_and_query_budget(
    api: Any,
    bka_record: Record,
    endpoint: Endpoint,
    django_assert_max_num_queries: Any,
) -> None:
    client = api("bka.analyst")
    client.get("/api/v1/me/")  # warm the token and content-type caches
    before = AuditEvent.objects.count()
    with django_assert_max_num_queries(endpoint.budget):
        response = endpoint.call(client, bka_record.pk)
    assert response.status_code == endpoint.ok, response.content
    assert AuditEvent.objects.count() == before + endpoint.rows
    event = last_event()
    analyst = Officer.objects.get(username="bka.analyst")
    assert event.action == endpoint.action
    assert event.officer_id == analyst.pk
    assert event.agency_id == analyst.agency_id
    assert event.officer_username == "bka.analyst"
    target = response.json()["id"] if endpoint is CREATE else str(bka_record.pk)
    if endpoint is not LIST:
        assert event.file == "ATD"
        assert event.object_id == target
    assert target in {r["record"] for r in event.references}
    assert event.covert == []


def test_r_h1_own_agency_results_of_each_endpoint(api: Any, bka_record: Record) -> None:
    client = api("bka.analyst")
    url = f"{RECORDS}{bka_record.pk}/"
    assert client.get(url).json()["reference"]["agency"] == "BKA"
    listing = client.get(RECORDS).json()
    assert set(listing) == {"count", "next", "previous", "results"}
    assert [r["id"] for r in listing["results"]] == [str(bka_record.pk)]
    assert client.patch(url, {"findings_basis": "neu"}, format="json").json()["version"] == 2
    notice = client.post(f"{url}correction-notices/", {"text": "prüfen"}, format="json")
    item = InboxItem.objects.get(pk=notice.json()["id"])
    assert (item.agency.code, item.kind, item.record_id) == (
        "BKA",
        "correction_notice",
        bka_record.pk,
    )
    blocked = client.post(f"{url}block/", {"reason": "schutzwürdige Interessen"}, format="json")
    assert blocked.json()["status"] == "blocked"
    assert_error(
        client.post(f"{url}block/", {"reason": "nochmal"}, format="json"), 409, "already_blocked"
    )
    # R-L3: blocking replaced deletion; only a review decision deletes a blocked record.
    assert_error(client.delete(url), 409, "record_blocked")
    assert Record.objects.filter(pk=bka_record.pk).exists()
    review = {"outcome": "deleted", "reasons": "Interesse entfallen", "ground": "not_necessary"}
    assert client.post(f"{url}review/", review, format="json").status_code == 200
    assert not Record.objects.filter(pk=bka_record.pk).exists()
    assert_error(client.get(url), 404, "not_found")


def test_r_h1_block_needs_a_reason(api: Any, bka_record: Record) -> None:
    stock = Stock()
    response = api("bka.analyst").post(f"{RECORDS}{bka_record.pk}/block/", {}, format="json")
    assert_error(response, 400, "required", "reason")
    stock.assert_unchanged()
    assert Record.objects.get(pk=bka_record.pk).status == "active"


def test_r_h1_list_query_count_does_not_grow_with_the_page(
    api: Any, make_record: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(8):
        make_record("bka.head")
    client = api("bka.analyst")
    client.get("/api/v1/me/")
    with django_assert_max_num_queries(LIST.budget):
        response = client.get(RECORDS)
    assert response.json()["count"] == 8
    assert len(last_event().references) == 8


def test_r_h1_owner_actions_on_a_covert_record_log_to_the_covert_column(
    api: Any, bka_covert: Record
) -> None:
    client = api("bka.analyst")
    url = f"{RECORDS}{bka_covert.pk}/"
    for call, action in [
        (lambda: client.get(url), "record.view"),
        (lambda: client.patch(url, {"findings_basis": "neu"}, format="json"), "record.update"),
        (lambda: client.post(f"{url}block/", {"reason": "Sperre"}, format="json"), "record.block"),
        (
            lambda: client.post(
                f"{url}review/",
                {"outcome": "deleted", "reasons": "entfallen", "ground": "not_necessary"},
                format="json",
            ),
            "record.review_decide",
        ),
    ]:
        assert call().status_code in (200, 204)
        event = last_event()
        assert event.action == action
        assert event.object_id == "" and event.references == []
        assert [c["record"] for c in event.covert] == [str(bka_covert.pk)]


# ---------------------------------------------------------------- other agency, covert, missing


@pytest.mark.parametrize("endpoint", DETAIL, ids=detail_ids)
@pytest.mark.parametrize("username", ["lka-bw.analyst", "bfv.head", "mad.analyst"])
def test_r_h1_other_agency_gets_404_for_an_atd_record_it_may_not_know(
    api: Any, bka_record: Record, endpoint: Endpoint, username: str
) -> None:
    stock = Stock()
    assert_error(endpoint.call(api(username), bka_record.pk), 404, "not_found")
    stock.assert_unchanged()
    assert Record.objects.filter(pk=bka_record.pk, version=1, status="active").exists()


def test_r_h1_other_agency_list_never_shows_the_record(api: Any, bka_record: Record) -> None:
    listing = api("lka-bw.analyst").get(RECORDS).json()
    assert listing["count"] == 0
    assert str(bka_record.pk) not in str(listing)


@pytest.mark.parametrize("endpoint", DETAIL, ids=detail_ids)
def test_r_h1_covert_record_gets_404_like_a_missing_one(
    api: Any, bka_covert: Record, endpoint: Endpoint
) -> None:
    client = api("lka-bw.analyst")
    stock = Stock()
    covert = endpoint.call(client, bka_covert.pk)
    missing = endpoint.call(client, uuid.uuid4())
    assert_error(covert, 404, "not_found")
    assert covert.json() == missing.json()
    stock.assert_unchanged()


@pytest.mark.parametrize("endpoint", DETAIL, ids=detail_ids)
@pytest.mark.parametrize(
    "record_id",
    [
        "00000000-0000-4000-8000-000000000000",
        "not-a-uuid",
        "123",
        "00000000-0000-4000-8000-00000000000g",
        "%27%20OR%201%3D1--",
    ],
)
def test_r_h1_missing_or_malformed_id_gets_404(
    api: Any, endpoint: Endpoint, record_id: str
) -> None:
    stock = Stock()
    assert_error(endpoint.call(api("bka.analyst"), record_id), 404, "not_found")
    stock.assert_unchanged()


# ---------------------------------------------------------------- view access is not ownership


@pytest.mark.parametrize("endpoint", OWNER_ONLY, ids=[e.name for e in OWNER_ONLY])
@pytest.mark.parametrize("username", ["lka-by.analyst", "bka.analyst", "lka-bw-no-auth"])
def test_r_h1_gws_participant_with_view_access_gets_403_not_owner(
    api: Any, gws_record: dict[str, Any], endpoint: Endpoint, username: str
) -> None:
    if username == "lka-bw-no-auth":
        # The owner's own colleague without GWS authorisation may not know the record.
        FileAuthorisation.objects.filter(officer__username="lka-bw.head", file__code="GWS").delete()
        stock = Stock()
        assert_error(endpoint.call(api("lka-bw.head"), gws_record["id"]), 404, "not_found")
        stock.assert_unchanged()
        return
    client = api(username)
    assert client.get(f"{RECORDS}{gws_record['id']}/").status_code == 200
    stock = Stock()
    assert_error(endpoint.call(client, gws_record["id"]), 403, "not_owner")
    stock.assert_unchanged()
    record = Record.objects.get(pk=gws_record["id"])
    assert (record.version, record.status) == (1, "active")


def test_r_h1_gws_participant_reads_with_audit_row_and_sends_correction_notice(
    api: Any, gws_record: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = api("lka-by.analyst")
    client.get("/api/v1/me/")
    with django_assert_max_num_queries(READ.budget + 4):
        response = client.get(f"{RECORDS}{gws_record['id']}/")
    assert response.status_code == 200
    data = response.json()
    assert data["reference"]["agency"] == "LKA-BW"
    # The owner's internal fields stay with the owner.
    assert "storage_decision" not in data and "findings_basis" not in data
    event = last_event()
    reader = Officer.objects.get(username="lka-by.analyst")
    assert (event.action, event.officer_id, event.agency_id) == (
        "record.view",
        reader.pk,
        reader.agency_id,
    )
    assert event.references[0]["record"] == gws_record["id"]
    notice = CORRECTION.call(client, gws_record["id"])
    assert notice.status_code == 201
    item = InboxItem.objects.get(pk=notice.json()["id"])
    assert item.agency.code == "LKA-BW"
    assert item.payload["from_agency"] == "LKA-BY"
    assert last_event().action == "record.correction_notice"


def test_r_h1_gws_non_participant_gets_404(api: Any, gws_record: dict[str, Any]) -> None:
    for username in ("bfv.analyst", "bnd.analyst", "lfv-bw.analyst"):
        assert_error(api(username).get(f"{RECORDS}{gws_record['id']}/"), 404, "not_found")


def test_r_h1_owner_is_recognisable_to_every_reader(api: Any, gws_record: dict[str, Any]) -> None:
    for username in ("lka-bw.analyst", "lka-by.analyst", "zka.analyst"):
        data = api(username).get(f"{RECORDS}{gws_record['id']}/").json()
        assert data["reference"]["agency"] == "LKA-BW", username
