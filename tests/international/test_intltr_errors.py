"""Bad input on a transfer abroad: 400 naming the fields, 422 for legal refusals, nothing
stored (R-N1, R-C7, R-C8, R-N2, R-N3; 004 Rn. 31)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from international.models import (
    NoticeStatus,
    OriginatorMarking,
    OriginatorRelease,
    RedNotice,
)
from tests.international.intltr_support import (  # noqa: F401 (fixtures)
    URL,
    Nothing,
    abroad,
    bases_fixture,
    further_use_grant,
    officer,
    partners_fixture,
    today,
)
from tests.verbund.records.support import assert_error
from tests.verbund.transfers.support import covert_decision
from verbund.access.records import current_order
from verbund.models import File, Transfer


@pytest.fixture
def own(make_record: Any) -> Any:
    return make_record(
        "bka.analyst",
        basic={"surname": "Fehler", "given_names": "Fritz", "date_of_birth": "1970-07-07"},
        extended={"phones": ["+49 611 12345"], "profession": "Ingenieur"},
    )


@pytest.fixture
def art10(make_record: Any) -> Any:
    """A BfV record from a telecommunications measure (Art. 10 GG): covert (R-C8)."""
    return make_record(
        "bfv.analyst",
        markings=["art10"],
        basic={"surname": "Zehnfeld", "given_names": "Anna", "date_of_birth": "1979-09-09"},
        extended={"phones": ["+49 221 101010"]},
        **covert_decision("BFV"),
    )


@pytest.mark.parametrize(
    ("overrides", "code", "fields"),
    [
        ({"legal_basis": None}, "required", {"legal_basis"}),
        ({"items": None}, "required", {"items"}),
        ({"items": []}, "required", {"items"}),
        ({"purpose": None}, "required", {"purpose"}),
        ({"purpose": "   "}, "required", {"purpose"}),
        ({"channel": None}, "required", {"channel"}),
        ({"record": None}, "required", {"record"}),
        (
            {"legal_basis": None, "items": None, "purpose": None},
            "required",
            {"legal_basis", "items", "purpose"},
        ),
        ({"recipient": None}, "required", {"recipient.partner"}),
        ({"recipient": {"partner": "t-nobody"}}, "unknown_partner", {"recipient.partner"}),
        ({"recipient": {"partner": "t-dhs", "x": 1}}, "unknown_field", {"recipient.x"}),
        ({"channel": "pigeon"}, "invalid_choice", {"channel"}),
        ({"legal_basis": "t-none"}, "unknown_legal_basis", {"legal_basis"}),
        ({"items": ["basic", "no_such_item"]}, "unknown_items", {"items"}),
        ({"record": ["a", "b"]}, "single_case_only", {"record"}),
        ({"hit": ["a"]}, "single_case_only", {"hit"}),
        ({"red_notice": "not-a-notice"}, "unknown_notice", {"red_notice"}),
        ({"markings": ["art10"]}, "covert_required", {"markings"}),
        ({"legal_basis": 5}, "invalid", {"legal_basis"}),
    ],
)
def test_r_n1_bad_input_is_400_naming_the_fields_and_stores_nothing(
    own: Any, api: Any, partners: Any, bases: Any, overrides: Any, code: str, fields: set[str]
) -> None:
    data = abroad(own)
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None}
    nothing = Nothing()
    body = assert_error(api("bka.analyst").post(URL, data, format="json"), 400, code)
    assert fields <= set(body["fields"]), body
    nothing.assert_unchanged()


def test_r_n1_record_and_hit_together_are_single_case_only(
    own: Any, api: Any, partners: Any, bases: Any
) -> None:
    data = abroad(own, hit="00000000-0000-0000-0000-000000000000")
    assert_error(api("bka.analyst").post(URL, data, format="json"), 400, "single_case_only", "hit")


def test_r_n1_channel_must_reach_the_partner(own: Any, api: Any, partners: Any, bases: Any) -> None:
    data = abroad(own, recipient={"partner": "t-interpol"}, channel="direct")
    assert_error(
        api("bka.analyst").post(URL, data, format="json"), 400, "invalid_choice", "channel"
    )
    data = abroad(own, recipient={"partner": "t-svc"}, channel="interpol")
    assert_error(
        api("bka.analyst").post(URL, data, format="json"), 400, "invalid_choice", "channel"
    )
    ok = api("bka.analyst").post(
        URL, abroad(own, recipient={"partner": "t-interpol"}), format="json"
    )
    assert ok.status_code == 201, ok.content


def test_r_n1_inactive_partner_is_unknown(own: Any, api: Any, partners: Any, bases: Any) -> None:
    partners["t-dhs"].active = False
    partners["t-dhs"].save()
    assert_error(
        api("bka.analyst").post(URL, abroad(own), format="json"),
        400,
        "unknown_partner",
        "recipient.partner",
    )


@pytest.mark.parametrize("code", ["t-old", "t-bpol"])
def test_r_n1_legal_basis_not_applicable(
    own: Any, api: Any, partners: Any, bases: Any, code: str
) -> None:
    nothing = Nothing()
    assert_error(
        api("bka.analyst").post(URL, abroad(own, legal_basis=code), format="json"),
        422,
        "legal_basis_not_applicable",
        "legal_basis",
    )
    nothing.assert_unchanged()


def test_r_n1_unknown_record_is_404(api: Any, partners: Any, bases: Any, reference: Any) -> None:
    data = {**abroad(None), "record": "00000000-0000-0000-0000-000000000000"}
    assert_error(api("bka.analyst").post(URL, data, format="json"), 404, "not_found")


def test_r_n1_recipient_not_permitted_by_the_order(
    make_record: Any, api: Any, partners: Any, bases: Any
) -> None:
    """004 Rn. 31: the GWS order lists the recipients; its list names only members."""
    record = make_record("lka-bw.analyst", file="GWS", case_group="", findings_basis="")
    nothing = Nothing()
    assert_error(
        api("lka-bw.analyst").post(URL, abroad(record), format="json"),
        422,
        "recipient_not_permitted",
        "recipient.partner",
    )
    nothing.assert_unchanged()
    order = current_order(File.objects.get(code="GWS"))
    assert order is not None
    # Listed by kind: every foreign authority; by code: that partner alone.
    order.transfer_recipients = [*order.transfer_recipients, "foreign_agency"]
    order.save()
    ok = api("lka-bw.analyst").post(URL, abroad(record), format="json")
    assert ok.status_code == 201, ok.content
    assert_error(
        api("lka-bw.analyst").post(
            URL,
            abroad(record, recipient={"partner": "t-europol"}, channel="europol"),
            format="json",
        ),
        422,
        "recipient_not_permitted",
    )
    order.transfer_recipients = [*order.transfer_recipients, "t-europol"]
    order.save()
    ok = api("lka-bw.analyst").post(
        URL, abroad(record, recipient={"partner": "t-europol"}, channel="europol"), format="json"
    )
    assert ok.status_code == 201, ok.content


def test_r_c7_art10_item_refused_without_flagged_basis(
    art10: Any, api: Any, partners: Any, bases: Any
) -> None:
    data = abroad(
        art10,
        recipient={"partner": "t-svc"},
        channel="liaison_officer",
        task="Abwehr eines terroristischen Anschlags (Aufgabe nach § 3 G 10).",
    )
    nothing = Nothing()
    assert_error(
        api("bfv.analyst").post(URL, data, format="json"),
        422,
        "marked_data_not_covered",
        "legal_basis",
    )
    nothing.assert_unchanged()


def test_r_c7_marking_travels_with_flagged_basis(
    art10: Any, api: Any, partners: Any, bases: Any
) -> None:
    data = abroad(
        art10,
        recipient={"partner": "t-svc"},
        channel="liaison_officer",
        legal_basis="t-art10",
        task="Abwehr eines terroristischen Anschlags (Aufgabe nach § 3 G 10).",
    )
    created = api("bfv.analyst").post(URL, data, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["markings"] == ["art10"]
    # The head approves and the owner records it as sent; the competent supervisor reads
    # every step of this covert record's transfer (covert column) through the audit API.
    tid = created.json()["id"]
    approval = {"approved": True, "reasons": "Genehmigt."}
    assert api("bfv.head").post(f"{URL}{tid}/approval/", approval, format="json").status_code == 200
    sent = {"channel": "liaison_officer", "reference": "VB-2026-1"}
    assert api("bfv.analyst").post(f"{URL}{tid}/sent/", sent, format="json").status_code == 200
    events = api("bfdi.supervisor").get("/api/v1/audit/events/", {"page_size": 200})
    assert events.status_code == 200, events.content
    steps = {
        e["action"]: e["covert"][0]["transfer_details"]
        for e in events.json()["results"]
        if e["action"].startswith("transfer.")
    }
    assert steps["transfer.create"]["partner"] == "t-svc"
    assert steps["transfer.create"]["legal_basis"] == "t-art10"
    assert steps["transfer.approval"]["approved"] is True
    assert steps["transfer.sent"]["reference"] == "VB-2026-1"
    # The marking cannot be dropped (R-C7).
    assert_error(
        api("bfv.analyst").post(URL, {**data, "markings": []}, format="json"),
        400,
        "marking_dropped",
    )
    # Without the task of such a collection: 400 (R-C8).
    no_task = {k: v for k, v in data.items() if k != "task"}
    assert_error(api("bfv.analyst").post(URL, no_task, format="json"), 400, "task_required")


def test_r_c7_use_markings_travel(own: Any, api: Any, partners: Any, bases: Any) -> None:
    further_use_grant(own, "lka-bw.analyst")
    created = api("lka-bw.analyst").post(URL, abroad(own), format="json")
    assert created.status_code == 201, created.content
    assert "use_further_use" in created.json()["markings"]


def _marking(record: Any, partner: Any, kind: str, items: list[str]) -> OriginatorMarking:
    return OriginatorMarking.objects.create(
        record=record, partner=partner, kind=kind, items=items, created_by=officer("bka.analyst")
    )


def test_r_n3_owner_needs_a_release_for_the_partner(
    own: Any, api: Any, partners: Any, bases: Any
) -> None:
    marking = _marking(own, partners["t-svc"], "third_party_rule", ["phones"])
    data = abroad(own, items=["basic", "phones"])
    nothing = Nothing()
    body = assert_error(
        api("bka.analyst").post(URL, data, format="json"),
        422,
        "originator_release_required",
        "items",
    )
    assert "Freigabe" in body["detail"]
    nothing.assert_unchanged()
    # An expired release, or one for another partner, does not lift it.
    for partner, expires in (
        ("t-dhs", today() - datetime.timedelta(days=1)),
        ("t-europol", today() + datetime.timedelta(days=30)),
    ):
        OriginatorRelease.objects.create(
            marking=marking,
            recipient_partner=partners[partner],
            purpose="Test",
            expires_on=expires,
            recorded_by=officer("bka.analyst"),
        )
    assert_error(
        api("bka.analyst").post(URL, data, format="json"), 422, "originator_release_required"
    )
    # Unmarked items go without a release.
    assert api("bka.analyst").post(URL, abroad(own), format="json").status_code == 201
    OriginatorRelease.objects.create(
        marking=marking,
        recipient_partner=partners["t-dhs"],
        purpose="Abgleich",
        expires_on=today() + datetime.timedelta(days=30),
        recorded_by=officer("bka.analyst"),
    )
    ok = api("bka.analyst").post(URL, data, format="json")
    assert ok.status_code == 201, ok.content


def test_r_n3_comprehensive_restriction_offers_no_release(
    own: Any, api: Any, partners: Any, bases: Any
) -> None:
    marking = _marking(own, partners["t-svc"], "comprehensive_restriction", ["phones"])
    OriginatorRelease.objects.create(
        marking=marking,
        recipient_partner=partners["t-dhs"],
        purpose="wirkungslos",
        expires_on=today() + datetime.timedelta(days=30),
        recorded_by=officer("bka.analyst"),
    )
    body = assert_error(
        api("bka.analyst").post(URL, abroad(own, items=["phones"]), format="json"),
        422,
        "originator_release_required",
    )
    assert "nicht erbeten" in body["detail"]


def test_r_n3_hidden_item_answers_like_a_nonexistent_one(
    own: Any, api: Any, partners: Any, bases: Any
) -> None:
    """Another agency naming a marked item gets exactly what an invented item gets."""
    further_use_grant(own, "lka-bw.analyst")
    _marking(own, partners["t-svc"], "third_party_rule", ["basic"])
    nothing = Nothing()
    hidden = api("lka-bw.analyst").post(URL, abroad(own, items=["basic"]), format="json")
    invented = api("lka-bw.analyst").post(URL, abroad(own, items=["zzzzz"]), format="json")
    assert hidden.status_code == invented.status_code == 400
    assert hidden.json()["code"] == invented.json()["code"] == "unknown_items"
    assert hidden.json()["detail"].replace("basic", "X") == invented.json()["detail"].replace(
        "zzzzz", "X"
    )
    assert set(hidden.json()["fields"]) == set(invented.json()["fields"]) == {"items"}
    nothing.assert_unchanged()


def test_r_n2_only_an_accepted_notice_is_forwarded(
    own: Any, api: Any, partners: Any, bases: Any
) -> None:
    notice = RedNotice.objects.create(interpol_reference="A-1/2026", country="US", subject={})
    nothing = Nothing()
    assert_error(
        api("bka.analyst").post(URL, abroad(own, red_notice=str(notice.pk)), format="json"),
        422,
        "notice_not_accepted",
        "red_notice",
    )
    nothing.assert_unchanged()
    notice.status = NoticeStatus.ACCEPTED
    notice.save()
    ok = api("bka.analyst").post(URL, abroad(own, red_notice=str(notice.pk)), format="json")
    assert ok.status_code == 201, ok.content
    assert ok.json()["red_notice"] == str(notice.pk)


def test_r_n1_foreign_fields_on_a_domestic_transfer_are_unknown(
    own: Any, api: Any, partners: Any, bases: Any
) -> None:
    from tests.verbund.transfers.support import body

    data = body(own, channel="interpol", legal_basis="t-bkag3")
    assert_error(api("bka.analyst").post(URL, data, format="json"), 400, "unknown_field", "channel")
    assert Transfer.objects.count() == 0


def test_r_n1_steps_bad_input(own: Any, api: Any, partners: Any, bases: Any) -> None:
    data = abroad(own, recipient={"partner": "t-interpol"})
    tid = api("bka.analyst").post(URL, data, format="json").json()["id"]
    head = api("bka.head")
    assert_error(
        head.post(f"{URL}{tid}/approval/", {"reasons": "x"}, format="json"),
        400,
        "required",
        "approved",
    )
    assert_error(
        head.post(f"{URL}{tid}/approval/", {"approved": True}, format="json"),
        400,
        "required",
        "reasons",
    )
    assert_error(
        head.post(f"{URL}{tid}/approval/", {"approved": "yes", "reasons": "x"}, format="json"),
        400,
        "invalid",
        "approved",
    )
    assert_error(
        head.post(
            f"{URL}{tid}/approval/", {"approved": True, "reasons": "x", "y": 1}, format="json"
        ),
        400,
        "unknown_field",
        "y",
    )
    head.post(f"{URL}{tid}/approval/", {"approved": True, "reasons": "x"}, format="json")
    assert_error(
        head.post(f"{URL}{tid}/sent/", {"channel": "interpol"}, format="json"),
        400,
        "required",
        "reference",
    )
    assert_error(
        head.post(f"{URL}{tid}/sent/", {"channel": "direct", "reference": "R"}, format="json"),
        400,
        "invalid_choice",
        "channel",
    )
    # A domestic transfer has no such steps: 404.
    from tests.verbund.transfers.support import body

    domestic = api("bka.analyst").post(URL, body(own), format="json").json()["id"]
    assert_error(
        head.post(f"{URL}{domestic}/approval/", {"approved": True, "reasons": "x"}, format="json"),
        404,
        "not_found",
    )
