"""Only the BKA publishes the gg/hh/ii/kk/nn catalogues, as dated versions (R-C4)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from verbund.models import CatalogueVersion

TOMORROW = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
VALUES = [
    {"code": "islam_sunni", "label_de": "Islam (sunnitisch)"},
    {"code": "new", "label_de": "Neu"},
]


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["lka-bw.head", "bfv.head", "bka.analyst"])
def test_r_c4_only_bka_head_publishes_religion_catalogue(api, username):
    before = CatalogueVersion.objects.count()
    response = api(username).post(
        "/api/v1/catalogue/versions/",
        {"field": "religion", "valid_from": TOMORROW, "values": VALUES},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "catalogue_bka_only"
    assert CatalogueVersion.objects.count() == before


@pytest.mark.django_db
def test_r_c4_new_version_applies_from_its_date_and_history_is_public(api, time_machine):
    response = api("bka.head").post(
        "/api/v1/catalogue/versions/",
        {"field": "religion", "valid_from": TOMORROW, "values": VALUES},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["number"] == 2
    codes_today = {v["code"] for v in api().get("/api/v1/catalogue/").json()["religion"]}
    assert "new" not in codes_today
    history = api().get("/api/v1/catalogue/versions/").json()
    assert [v["number"] for v in history if v["field"] == "religion"] == [2, 1]
    time_machine.move_to(timezone.now() + datetime.timedelta(days=2))
    codes_later = {v["code"] for v in api().get("/api/v1/catalogue/").json()["religion"]}
    assert codes_later == {"islam_sunni", "new"}


@pytest.mark.django_db
def test_r_c4_officers_may_extend_learning_catalogue_only(officer):
    from verbund.errors import Forbidden
    from verbund.services.catalogue import catalogue_propose_learning_value

    version = catalogue_propose_learning_value(
        actor=officer("lka-bw.analyst"), field="device_types", code="drone", label_de="Drohne"
    )
    assert "drone" in set(version.values.values_list("code", flat=True))
    with pytest.raises(Forbidden):
        catalogue_propose_learning_value(
            actor=officer("lka-bw.analyst"), field="skills", code="x", label_de="X"
        )


@pytest.mark.django_db
def test_r_c4_admin_cannot_edit_catalogues(reference, admin_client):
    version = CatalogueVersion.objects.get(field="religion", number=1)
    response = admin_client.get(f"/admin/verbund/catalogueversion/{version.pk}/change/")
    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    assert admin_client.get("/admin/verbund/catalogueversion/add/").status_code == 403


@pytest.mark.django_db
def test_admin_changes_to_legal_bases_are_logged(reference, admin_client):
    from audit.models import AuditEvent
    from verbund.models import LegalBasis

    basis = LegalBasis.objects.filter(kind="ordinance").first()
    response = admin_client.post(
        f"/admin/verbund/legalbasis/{basis.pk}/change/",
        {
            "kind": "ordinance",
            "citation": basis.citation + " (geändert)",
            "in_force_from": "2010-06-04",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="admin.change").latest("seq")
    assert event.object_id == str(basis.pk)
    assert event.details["after"]["citation"].endswith("(geändert)")
    assert event.details["before"]["citation"] == basis.citation


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        # A learning catalogue too: no version applies from the past.
        (
            {"field": "device_types", "valid_from": "2000-01-01", "values": [VALUES[1]]},
            "invalid_date",
            "valid_from",
        ),
        (
            {
                "field": "device_types",
                "valid_from": TOMORROW,
                "values": [{"code": "\x01b", "label_de": "Probe"}],
            },
            "invalid_characters",
            "values[0].code",
        ),
        (
            {
                "field": "device_types",
                "valid_from": TOMORROW,
                "values": [{"code": "drone", "label_de": "Drohne\x1b"}],
            },
            "invalid_characters",
            "values[0].label_de",
        ),
    ],
)
def test_r_c4_a_version_from_the_past_or_with_control_characters_is_refused(api, body, code, field):
    before = CatalogueVersion.objects.count()
    response = api("lka-bw.analyst").post("/api/v1/catalogue/versions/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code and field in response.json()["fields"]
    assert CatalogueVersion.objects.count() == before
