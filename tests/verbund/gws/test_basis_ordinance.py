"""Registering the ordinance GWS rests on (R-A3, R-M5): command, admin, not retroactive."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from tests.verbund.gws.support_basis import (
    BKADV,
    gws_payload,
    gws_record,
    noon,
    order_only,
    today,
)
from tests.verbund.records.support import assert_error
from verbund.models import File, LegalBasis, Record
from verbund.models.files import LegalBasisKind
from verbund.services.legal_bases import stored_without_legal_basis

CITATION = "Verordnung über die Gewalttäterdatei (Testfassung) nach § 7 Abs. 6 BKAG"


def register(*args: str) -> str:
    out = io.StringIO()
    call_command("register_ordinance", *args, stdout=out)
    return out.getvalue()


def test_r_a3_register_ordinance_in_the_future_opens_the_gate_only_from_that_day(
    api: Any,
) -> None:
    order_only()
    day = today() + datetime.timedelta(days=10)
    client = api("lka-bw.analyst")
    assert_error(
        client.post("/api/v1/records/", gws_payload(), format="json"), 422, "no_legal_basis"
    )
    out = register("--file", "GWS", "--citation", CITATION, "--in-force", day.isoformat())
    assert CITATION in out and day.isoformat() in out
    gws = File.objects.select_related("legal_basis").get(code="GWS")
    assert gws.legal_basis.citation == CITATION
    assert gws.legal_basis.kind == LegalBasisKind.ORDINANCE
    event = AuditEvent.objects.filter(action="file.ordinance_register").latest("seq")
    assert event.details["in_force_from"] == day.isoformat()
    # Not before its entry into force: still 422 today and on the day before.
    assert_error(
        client.post("/api/v1/records/", gws_payload(), format="json"), 422, "no_legal_basis"
    )
    with time_machine.travel(noon(day - datetime.timedelta(days=1)), tick=False):
        assert_error(
            client.post("/api/v1/records/", gws_payload(), format="json"), 422, "no_legal_basis"
        )
    with time_machine.travel(noon(day), tick=False):
        response = client.post("/api/v1/records/", gws_payload(), format="json")
        assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--file", "XYZ", "--citation", CITATION, "--in-force", "2030-01-01"], "XYZ"),
        (["--file", "GWS", "--citation", " ", "--in-force", "2030-01-01"], "citation"),
        (["--file", "GWS", "--citation", CITATION, "--in-force", "1.1.2030"], "in_force_from"),
        (["--file", "GWS", "--citation", BKADV, "--in-force", "2030-01-01"], "citation"),
    ],
)
def test_r_a3_register_ordinance_refuses_bad_input_and_changes_nothing(
    reference: Any, args: list[str], words: str
) -> None:
    before = File.objects.get(code="GWS").legal_basis_id
    bases = LegalBasis.objects.count()
    with pytest.raises(CommandError) as caught:
        register(*args)
    assert words in str(caught.value)
    assert File.objects.get(code="GWS").legal_basis_id == before
    assert LegalBasis.objects.count() == bases
    assert not AuditEvent.objects.filter(action="file.ordinance_register").exists()


def test_r_a3_register_ordinance_exits_1_on_bad_input(reference: Any) -> None:
    from django.core.management import ManagementUtility

    argv = [
        "manage.py",
        "register_ordinance",
        "--file",
        "GWS",
        "--citation",
        "x",
        "--in-force",
        "x",
    ]
    with pytest.raises(SystemExit) as caught:
        ManagementUtility(argv).execute()
    assert caught.value.code == 1


def test_r_a3_administrators_register_the_ordinance_in_the_admin(
    reference: Any, admin_client: Any
) -> None:
    order_only()
    gws = File.objects.get(code="GWS")
    url = f"/admin/verbund/file/{gws.pk}/ordinance/"
    assert url in admin_client.get("/admin/verbund/file/").content.decode()
    assert admin_client.get(url).status_code == 200
    refused = admin_client.post(url, {"citation": "", "in_force_from": "2030-01-01"})
    assert refused.status_code == 400
    day = today() + datetime.timedelta(days=3)
    response = admin_client.post(url, {"citation": CITATION, "in_force_from": day.isoformat()})
    assert response.status_code == 302
    gws.refresh_from_db()
    assert gws.legal_basis.citation == CITATION and gws.legal_basis.in_force_from == day
    event = AuditEvent.objects.filter(action="file.ordinance_register").latest("seq")
    assert event.details["citation"] == CITATION
    assert event.officer_username == "admin"
    assert "Errichtungsanordnung" in event.details["previous"]


def test_r_m5_legacy_record_loses_the_flag_from_entry_into_force_not_before(
    make_record: Any,
) -> None:
    """004: a record released from POLAS-BW as legacy stock (2007/2008) counts as stored
    without legal basis until the ordinance enters into force, and from that day not."""
    record = gws_record(make_record)
    Record.objects.filter(pk=record.pk).update(
        legacy=True, source_system="POLAS-BW", source_reference="BW-2007-0001"
    )
    record = Record.objects.select_related("file__legal_basis").get(pk=record.pk)
    assert record.owner.code == "LKA-BW"
    order_only()
    record.file.refresh_from_db()
    assert stored_without_legal_basis(record) is True  # resting on the order alone
    register("--file", "GWS", "--citation", BKADV, "--in-force", "2010-06-04")
    record = Record.objects.select_related("file__legal_basis").get(pk=record.pk)
    with time_machine.travel(noon(datetime.date(2008, 2, 7)), tick=False):
        assert stored_without_legal_basis(record) is True
    with time_machine.travel(noon(datetime.date(2010, 6, 3)), tick=False):
        assert stored_without_legal_basis(record) is True
    with time_machine.travel(noon(datetime.date(2010, 6, 4)), tick=False):
        assert stored_without_legal_basis(record) is False
    assert stored_without_legal_basis(record, on=datetime.date(2010, 6, 3)) is True
    assert stored_without_legal_basis(record, on=datetime.date(2010, 6, 4)) is False
    assert stored_without_legal_basis(record) is False
