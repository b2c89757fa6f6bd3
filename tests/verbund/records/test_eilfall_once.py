"""Eilfall: one per record and agency, none after a refusal, duties and decisions outlive the
record's deletion, strict bodies (R-G3, R-L5, R-C7)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from agencies.models import Officer
from audit.models import AuditEvent
from tests.verbund.records.support import assert_error
from tests.verbund.records.test_eilfall import URL, body, search
from verbund.models import EmergencyAccess, InboxItem
from verbund.models.emergencies import Consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def bfv_record(make_record: Any) -> Any:
    """An open ATD person of BfV with extended data."""
    return make_record(
        "bfv.analyst",
        basic={"surname": "Einmalig", "given_names": "Karim", "date_of_birth": "1990-01-02"},
        extended={"phones": ["+49 711 555123"]},
    )


@pytest.fixture
def hit(api: Any, bfv_record: Any) -> str:
    """LKA-BW's name hit on the BfV record."""
    (found,) = search(api, "lka-bw.analyst", {"surname": "Einmalig"})["hits"]
    return str(found["hit"])


def _take(api: Any, hit: str) -> dict[str, Any]:
    response = api("lka-bw.analyst").post(URL, body(hit), format="json")
    assert response.status_code == 201, response.content
    answer: dict[str, Any] = response.json()
    return answer


def _refuse(api: Any, eilfall_id: str) -> None:
    response = api("bfv.analyst").post(
        f"{URL}{eilfall_id}/consent/", {"grant": False, "reasons": "Nein."}, format="json"
    )
    assert response.status_code == 200, response.content


def _delete(api: Any, record: Any) -> None:
    deleted = api("bfv.analyst").delete(
        f"/api/v1/records/{record.pk}/", {"reason": "Erledigt."}, format="json"
    )
    assert deleted.status_code == 204, deleted.content


def _browser(username: str) -> Client:
    client = Client()
    client.force_login(Officer.objects.get(username=username))
    return client


# ---------------------------------------------------------------- one Eilfall per record


def test_r_g3_second_eilfall_on_the_same_hit_is_409_already_taken(api: Any, hit: str) -> None:
    taken = _take(api, hit)
    client = api("lka-bw.analyst")
    before = (InboxItem.objects.count(), AuditEvent.objects.count())
    assert_error(client.post(URL, body(hit), format="json"), 409, "already_taken", "hit")
    assert (InboxItem.objects.count(), AuditEvent.objects.count()) == before
    # Another hit on the same record (a new search) does not open a second one either.
    (again,) = search(api, "lka-bw.analyst", {"surname": "Einmalig"})["hits"]
    before = (InboxItem.objects.count(), AuditEvent.objects.count())
    assert_error(client.post(URL, body(again["hit"]), format="json"), 409, "already_taken", "hit")
    assert (InboxItem.objects.count(), AuditEvent.objects.count()) == before
    # Nor after the owner consented.
    granted = api("bfv.analyst").post(
        f"{URL}{taken['id']}/consent/", {"grant": True, "reasons": "Einverstanden."}, format="json"
    )
    assert granted.status_code == 200, granted.content
    assert_error(client.post(URL, body(hit), format="json"), 409, "already_taken", "hit")
    assert EmergencyAccess.objects.count() == 1


def test_r_g3_another_agency_may_take_its_own_eilfall_on_the_record(
    api: Any, hit: str, bfv_record: Any
) -> None:
    _take(api, hit)
    (other,) = search(api, "lka-by.analyst", {"surname": "Einmalig"})["hits"]
    response = api("lka-by.analyst").post(
        URL, body(other["hit"], decided_by="lka-by.head"), format="json"
    )
    assert response.status_code == 201, response.content
    assert EmergencyAccess.objects.filter(record=bfv_record).count() == 2


def test_r_g3_no_new_eilfall_after_the_owner_refused(api: Any, hit: str, bfv_record: Any) -> None:
    taken = _take(api, hit)
    _refuse(api, taken["id"])
    client = api("lka-bw.analyst")
    before = (EmergencyAccess.objects.count(), InboxItem.objects.count())
    response = client.post(URL, body(hit), format="json")
    assert_error(response, 409, "consent_refused", "hit")
    assert "Übermittlungsersuchen" in response.json()["detail"]
    (again,) = search(api, "lka-bw.analyst", {"surname": "Einmalig"})["hits"]
    assert_error(client.post(URL, body(again["hit"]), format="json"), 409, "consent_refused")
    assert (EmergencyAccess.objects.count(), InboxItem.objects.count()) == before
    # The record stays closed to the requester.
    assert client.get(f"/api/v1/records/{bfv_record.pk}/").status_code == 404


def test_r_g3_the_database_keeps_one_open_eilfall_per_record_and_agency(api: Any, hit: str) -> None:
    taken = EmergencyAccess.objects.get(pk=_take(api, hit)["id"])
    copy = {
        f.attname: getattr(taken, f.attname)
        for f in EmergencyAccess._meta.concrete_fields
        if f.attname != "id"
    }
    for consent in (Consent.PENDING, Consent.GRANTED):
        with pytest.raises(IntegrityError), transaction.atomic():
            EmergencyAccess.objects.create(**{**copy, "consent": consent})
    # A refused one does not count: the constraint covers pending and granted only.
    EmergencyAccess.objects.create(**{**copy, "consent": Consent.REFUSED})
    assert EmergencyAccess.objects.count() == 2


# ---------------------------------------------------------------- R-L5: the duty stays


def test_r_g3_r_l5_duty_survives_the_owners_deletion_and_can_be_closed(
    api: Any, hit: str, bfv_record: Any
) -> None:
    taken = _take(api, hit)
    _refuse(api, taken["id"])
    record_id, file_number = str(bfv_record.pk), bfv_record.file_number
    _delete(api, bfv_record)
    requester = api("lka-bw.analyst")
    inbox = requester.get("/api/v1/inbox/?kind=emergency_refused")
    assert inbox.status_code == 200, inbox.content
    [item] = inbox.json()["results"]
    assert item["payload"]["eilfall"] == taken["id"]
    assert item["payload"]["file_number"] == file_number
    assert item["payload"]["record"] == record_id
    assert item["done_at"] is None
    # The inbox page shows it with its duty form.
    page = _browser("lka-bw.analyst").get("/eingang/")
    assert page.status_code == 200
    assert file_number in page.content.decode() and "duty-form" in page.content.decode()
    detail = _browser("lka-bw.analyst").get(reverse("eilfall_detail", args=[taken["id"]]))
    assert detail.status_code == 200 and file_number in detail.content.decode()
    response = requester.post(
        f"{URL}{taken['id']}/duty/",
        {"deleted_or_blocked": "deleted", "third_parties_informed": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["record"] is None
    assert InboxItem.objects.get(kind="emergency_refused").done_at is not None
    duty = AuditEvent.objects.get(action="emergency.duty")
    assert duty.details["file_number"] == file_number
    assert duty.details["record"] == record_id
    assert duty.details["deleted_or_blocked"] == "deleted"


def test_r_g3_duty_log_names_the_record_also_before_deletion(
    api: Any, hit: str, bfv_record: Any
) -> None:
    taken = _take(api, hit)
    _refuse(api, taken["id"])
    response = api("lka-bw.analyst").post(
        f"{URL}{taken['id']}/duty/",
        {"deleted_or_blocked": "blocked", "third_parties_informed": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    duty = AuditEvent.objects.get(action="emergency.duty")
    assert duty.details["file_number"] == bfv_record.file_number
    assert duty.details["record"] == str(bfv_record.pk)


def test_r_l5_pending_consent_item_goes_with_the_record(
    api: Any, hit: str, bfv_record: Any
) -> None:
    _take(api, hit)
    assert InboxItem.objects.filter(kind="emergency_consent").exists()
    _delete(api, bfv_record)
    assert not InboxItem.objects.filter(kind="emergency_consent").exists()


# ---------------------------------------------------------------- strict bodies, 404 shape


def test_r_g1_unknown_body_key_is_400_server_set_fields_are_ignored(api: Any, hit: str) -> None:
    client = api("lka-bw.analyst")
    assert_error(
        client.post(URL, {**body(hit), "zz": 1}, format="json"), 400, "unknown_field", "zz"
    )
    assert not EmergencyAccess.objects.exists()
    response = client.post(
        URL,
        {**body(hit), "consent": "granted", "status": "x", "decided_at": "2020-01-01", "id": "1"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["consent"] == "pending"


def test_r_g3_unknown_body_key_on_consent_and_duty_is_400(api: Any, hit: str) -> None:
    taken = _take(api, hit)
    consent = f"{URL}{taken['id']}/consent/"
    owner = api("bfv.analyst")
    assert_error(
        owner.post(consent, {"grant": False, "reasons": "Nein.", "zz": 1}, format="json"),
        400,
        "unknown_field",
        "zz",
    )
    assert EmergencyAccess.objects.get().consent == Consent.PENDING
    _refuse(api, taken["id"])
    duty = f"{URL}{taken['id']}/duty/"
    assert_error(
        api("lka-bw.analyst").post(
            duty,
            {"deleted_or_blocked": "deleted", "third_parties_informed": True, "zz": 1},
            format="json",
        ),
        400,
        "unknown_field",
        "zz",
    )
    assert EmergencyAccess.objects.get().duty_done_at is None


def test_r_g1_unknown_hit_404_has_no_fields_like_every_404(api: Any, hit: str) -> None:
    client = api("lka-bw.analyst")
    for bad in ("00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        response = client.post(URL, body(bad), format="json")
        assert_error(response, 404, "not_found")
        assert response.json()["fields"] == {}
