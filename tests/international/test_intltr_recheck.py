"""Each step of a transfer abroad checks again what its creation checked (outside test).

Consent, approval and "sent" let a transfer go on; a partner or legal basis withdrawn
since, an originator marking added since (R-N3) or a forwarded notice no longer accepted
(R-N2) stops it with the creation's refusal, and nothing changes.
"""

from __future__ import annotations

from typing import Any

import pytest

from agencies.models import Officer
from international.models import LegalBasis, Partner
from international.services.originator import marking_create
from tests.international.intltr_support import (  # noqa: F401 (fixtures)
    URL,
    abroad,
    bases_fixture,
    further_use_grant,
    partners_fixture,
)
from tests.verbund.records.support import assert_error
from verbund.models import Transfer

REASONS = {"reasons": "Geprüft."}


@pytest.fixture
def own(make_record: Any) -> Any:
    return make_record(
        "bka.analyst",
        basic={"surname": "Nachprüf", "given_names": "Nora", "date_of_birth": "1980-04-04"},
        extended={"phones": ["+49 611 55599"]},
    )


def _status(tid: str) -> str:
    return str(Transfer.objects.get(pk=tid).status)


def test_r_n3_marking_added_after_the_request_stops_consent(
    own: Any, api: Any, partners: Any, bases: Any
) -> None:
    further_use_grant(own, "lka-bw.analyst")
    body = abroad(own, items=["reference", "basic"])
    created = api("lka-bw.analyst").post(URL, body, format="json")
    assert created.status_code == 201, created.content
    tid = created.json()["id"]
    assert created.json()["status"] == "consent_pending"
    marking_create(
        actor=Officer.objects.get(username="bka.analyst"),
        record_id=own.pk,
        data={"partner": "t-interpol", "kind": "third_party_rule", "items": ["basic"]},
    )
    refused = api("bka.analyst").post(
        f"{URL}{tid}/consent/", {"granted": True, **REASONS}, format="json"
    )
    assert_error(refused, 422, "originator_release_required")
    assert _status(tid) == "consent_pending"


@pytest.mark.parametrize("withdrawn", ["partner", "legal_basis"])
def test_r_n1_partner_or_basis_withdrawn_since_stops_approval_and_sent(
    own: Any, api: Any, partners: Any, bases: Any, withdrawn: str
) -> None:
    created = api("bka.analyst").post(URL, abroad(own), format="json")
    tid = created.json()["id"]
    code = "recipient_not_permitted" if withdrawn == "partner" else "legal_basis_not_applicable"
    if withdrawn == "partner":
        Partner.objects.filter(code="t-dhs").update(active=False)
    else:
        LegalBasis.objects.filter(code="t-bkag3").update(active=False)
    approval = {"approved": True, **REASONS}
    assert_error(api("bka.head").post(f"{URL}{tid}/approval/", approval, format="json"), 422, code)
    assert _status(tid) == "approval_pending"
    # Approved while it still served, withdrawn before it went out: "sent" refuses too.
    Partner.objects.filter(code="t-dhs").update(active=True)
    LegalBasis.objects.filter(code="t-bkag3").update(active=True)
    ok = api("bka.head").post(f"{URL}{tid}/approval/", approval, format="json")
    assert ok.status_code == 200, ok.content
    if withdrawn == "partner":
        Partner.objects.filter(code="t-dhs").update(active=False)
    else:
        LegalBasis.objects.filter(code="t-bkag3").update(active=False)
    sent = {"channel": "interpol", "reference": "IP-9"}
    assert_error(api("bka.analyst").post(f"{URL}{tid}/sent/", sent, format="json"), 422, code)
    assert _status(tid) == "approved"
