"""Who may take each step of a transfer abroad (R-F2, R-F3, R-N1), the Idempotency-Key
(also under concurrency), and the R-G3 ledger naming foreign recipients."""

from __future__ import annotations

from typing import Any

import pytest

from agencies.models import FileAuthorisation, Officer, Role
from tests.international.intltr_support import (  # noqa: F401 (fixtures)
    URL,
    abroad,
    bases_fixture,
    further_use_grant,
    partners_fixture,
)
from tests.verbund.records.support import assert_error
from tests.verbund.transfers.support import eilfall
from verbund.models import File, InboxItem, Transfer

REASONS = "Geprüft und erforderlich."


@pytest.fixture
def own(make_record: Any) -> Any:
    return make_record(
        "bka.analyst",
        basic={"surname": "Matrix", "given_names": "Max", "date_of_birth": "1975-05-05"},
    )


@pytest.fixture
def foreign_account(reference: Any) -> Officer:
    """An account flagged foreign, authorised for the ATD (R-N1: refused at every door)."""
    account = Officer.objects.create_user(
        username="bka.foreign",
        password="x",
        agency=Officer.objects.get(username="bka.analyst").agency,
        role=Role.ANALYST,
        foreign=True,
    )
    FileAuthorisation.objects.create(officer=account, file=File.objects.get(code="ATD"))
    return account


USERS = [
    None,
    "lka-by.analyst",
    "bka.analyst",
    "bka.head",
    "lka-bw.analyst",
    "lka-bw.head",
    "bfdi.supervisor",
    "bka.auskunft",
    "bka.foreign",
]

# The transfer: LKA-BW (holding a further-use grant) sends a BKA record abroad.
CONSENT = {
    None: 401,
    "lka-by.analyst": 404,
    "bka.analyst": 200,
    "bka.head": 200,
    "lka-bw.analyst": 403,
    "lka-bw.head": 403,
    "bfdi.supervisor": 403,
    "bka.auskunft": 404,
    "bka.foreign": 403,
}
APPROVAL = {
    **CONSENT,
    "bka.analyst": 403,
    "bka.head": 403,
    "lka-bw.analyst": 403,
    "lka-bw.head": 200,
}
SENT = {**CONSENT, "bka.analyst": 403, "bka.head": 403, "lka-bw.analyst": 200, "lka-bw.head": 200}


def _transfer(api: Any, own: Any, state: str) -> str:
    further_use_grant(own, "lka-bw.analyst")
    tid: str = api("lka-bw.analyst").post(URL, abroad(own), format="json").json()["id"]
    if state in ("approval", "sent"):
        api("bka.analyst").post(
            f"{URL}{tid}/consent/", {"granted": True, "reasons": REASONS}, format="json"
        )
    if state == "sent":
        api("lka-bw.head").post(
            f"{URL}{tid}/approval/", {"approved": True, "reasons": REASONS}, format="json"
        )
    return tid


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize(
    ("step", "body", "expected"),
    [
        ("consent", {"granted": True, "reasons": REASONS}, CONSENT),
        ("approval", {"approved": True, "reasons": REASONS}, APPROVAL),
        ("sent", {"channel": "interpol", "reference": "IP-9"}, SENT),
    ],
)
def test_r_f2_permission_matrix_of_the_steps(
    own: Any,
    api: Any,
    partners: Any,
    bases: Any,
    foreign_account: Any,
    user: str | None,
    step: str,
    body: dict[str, Any],
    expected: dict[str | None, int],
) -> None:
    tid = _transfer(api, own, step)
    response = api(user).post(f"{URL}{tid}/{step}/", body, format="json")
    assert response.status_code == expected[user], (user, response.content)
    if user == "bka.foreign":
        assert response.json()["code"] == "foreign_access_refused"
    if response.status_code == 404:
        # Exactly like an invented id.
        invented = api(user).post(
            f"{URL}00000000-0000-0000-0000-000000000000/{step}/", body, format="json"
        )
        assert invented.json() == response.json()


@pytest.mark.parametrize(
    ("user", "status"),
    [
        (None, 401),
        ("lka-by.analyst", 404),
        ("bka.analyst", 201),
        ("bka.head", 201),
        ("bfdi.supervisor", 403),
        ("bka.auskunft", 404),
        ("bka.foreign", 403),
    ],
)
def test_r_n1_permission_matrix_of_the_creation(
    own: Any,
    api: Any,
    partners: Any,
    bases: Any,
    foreign_account: Any,
    user: str | None,
    status: int,
) -> None:
    response = api(user).post(URL, abroad(own), format="json")
    assert response.status_code == status, response.content


def test_r_f2_detail_for_sender_and_owner_only(
    own: Any, api: Any, partners: Any, bases: Any
) -> None:
    tid = _transfer(api, own, "consent")
    for user, status in (("lka-bw.analyst", 200), ("bka.head", 200), ("lka-by.analyst", 404)):
        assert api(user).get(f"{URL}{tid}/").status_code == status, user


def test_r_n1_idempotency_key_replays_the_same_transfer(
    own: Any, api: Any, partners: Any, bases: Any
) -> None:
    client = api("bka.analyst")
    headers = {"Idempotency-Key": "abc-123"}
    first = client.post(URL, abroad(own), format="json", headers=headers)
    assert first.status_code == 201, first.content
    again = api("bka.head").post(URL, abroad(own), format="json", headers=headers)
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert Transfer.objects.count() == 1
    other = client.post(
        URL, abroad(own, purpose="Ein anderer Zweck."), format="json", headers=headers
    )
    assert_error(other, 422, "idempotency_key_reused")
    assert Transfer.objects.count() == 1
    # Keys are per sending agency; without a key every request is a new transfer.
    further_use_grant(own, "lka-bw.analyst")
    assert (
        api("lka-bw.analyst").post(URL, abroad(own), format="json", headers=headers).status_code
        == 201
    )
    assert client.post(URL, abroad(own), format="json").status_code == 201
    assert Transfer.objects.count() == 3
    # A domestic transfer takes a key too.
    from tests.verbund.transfers.support import body

    dom = {"Idempotency-Key": "dom-1"}
    d1 = client.post(URL, body(own), format="json", headers=dom)
    d2 = client.post(URL, body(own), format="json", headers=dom)
    assert (d1.status_code, d2.status_code) == (201, 200)
    assert d1.json()["id"] == d2.json()["id"]
    assert_error(
        client.post(URL, body(own), format="json", headers={"Idempotency-Key": "x" * 81}),
        400,
        "invalid",
    )


@pytest.mark.django_db(transaction=True)
def test_r_n1_concurrent_duplicates_with_one_key_create_one(
    reference: Any, make_record: Any, audit_truncate_allowed: Any
) -> None:
    import threading

    from django.db import connection
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    from international.models import LegalBasis, Partner

    Partner.objects.create(code="t-dhs", name="DHS", kind="foreign_agency", country="US")
    LegalBasis.objects.create(
        code="t-bkag3", citation="§ 3 BKAG", title="t", source="t", agencies=["BKA"]
    )
    _, token = AuthToken.objects.create(user=Officer.objects.get(username="bka.analyst"))
    parallel = 5
    for n in range(3):
        record = make_record("bka.analyst", basic={"surname": f"Doppelt{n}", "given_names": "P"})
        start = threading.Barrier(parallel)
        results: list[Any] = [None] * parallel

        def worker(
            index: int,
            record: Any = record,
            start: Any = start,
            results: Any = results,
            n: int = n,
        ) -> None:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            try:
                start.wait(timeout=10)
                results[index] = client.post(
                    URL, abroad(record), format="json", headers={"Idempotency-Key": f"k-{n}"}
                )
            except BaseException as exc:  # noqa: BLE001 - reported below
                results[index] = exc
            finally:
                connection.close()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(parallel)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        statuses = sorted(getattr(r, "status_code", r) for r in results)
        assert statuses == [200] * (parallel - 1) + [201], [
            getattr(r, "content", r) for r in results
        ]
        assert len({r.json()["id"] for r in results}) == 1
        assert Transfer.objects.filter(idempotency_key=f"k-{n}").count() == 1


def test_r_g3_eilfall_pending_consent_stops_a_transfer_abroad(
    own: Any, api: Any, partners: Any, bases: Any
) -> None:
    eilfall(own, "lka-bw.analyst")
    assert_error(
        api("lka-bw.analyst").post(URL, abroad(own), format="json"), 409, "consent_pending"
    )


def test_r_g3_refused_eilfall_duty_names_the_foreign_recipient(
    own: Any, api: Any, partners: Any, bases: Any
) -> None:
    sent = _transfer(api, own, "sent")
    api("lka-bw.analyst").post(
        f"{URL}{sent}/sent/", {"channel": "interpol", "reference": "IP-1"}, format="json"
    )
    # A second transfer abroad that never went out is no third party.
    api("lka-bw.analyst").post(
        URL, abroad(own, recipient={"partner": "t-europol"}, channel="europol"), format="json"
    )
    ea = eilfall(own, "lka-bw.analyst")
    refused = api("bka.analyst").post(
        f"/api/v1/emergency-accesses/{ea.pk}/consent/",
        {"grant": False, "reasons": "Keine Weiterverwendung."},
        format="json",
    )
    assert refused.status_code == 200, refused.content
    item = InboxItem.objects.get(kind="emergency_refused", subject_id=ea.pk)
    assert item.payload["third_parties"] == ["US Department of Homeland Security"]
