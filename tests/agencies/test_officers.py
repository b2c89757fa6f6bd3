"""Demo accounts, roles and file authorisations (api.md "Demo accounts", R-A4, R-J1)."""

from __future__ import annotations

from typing import Any

import pytest

from agencies.models import STATE_CODES, Agency, FileAuthorisation, Officer, Role
from tests.conftest import PASSWORD
from verbund.models import Participation

AGENCY_CODES = (
    ["BKA", "BPOL", "ZKA", "BFV", "BND", "MAD"]
    + [f"LKA-{s}" for s in STATE_CODES]
    + [f"LFV-{s}" for s in STATE_CODES]
)


def files_of(officer: Officer) -> set[str]:
    return set(
        FileAuthorisation.objects.filter(officer=officer).values_list("file__code", flat=True)
    )


@pytest.mark.parametrize("code", AGENCY_CODES)
def test_demo_analyst_and_head_exist_for_every_agency(reference: Any, code: str) -> None:
    agency = Agency.objects.get(code=code)
    participating = set(
        Participation.objects.filter(agency=agency).values_list("file__code", flat=True)
    )
    assert "ATD" in participating
    for suffix, role in (("analyst", Role.ANALYST), ("head", Role.HEAD)):
        username = f"{code.lower()}.{suffix}"
        officer = Officer.objects.get(username=username)
        assert officer.agency == agency
        assert officer.role == role
        assert officer.is_active and not officer.is_superuser and not officer.is_staff
        assert officer.check_password(PASSWORD)
        # Authorised for every file the agency takes part in, and no other (R-A4).
        assert files_of(officer) == participating
        assert officer.groups.filter(name=agency.group_name).exists()


def test_head_role_decides_and_analyst_does_not(officer: Any) -> None:
    assert officer("bka.head").is_head
    assert not officer("bka.analyst").is_head


def test_federal_and_state_supervisors_exist(reference: Any) -> None:
    bfdi = Officer.objects.get(username="bfdi.supervisor")
    assert (bfdi.role, bfdi.jurisdiction, bfdi.agency) == (Role.SUPERVISOR, "federal", None)
    assert bfdi.is_supervisor
    for state in STATE_CODES:
        supervisor = Officer.objects.get(username=f"lfd-{state.lower()}.supervisor")
        assert supervisor.role == Role.SUPERVISOR
        assert supervisor.jurisdiction == state
        assert supervisor.agency is None
        assert files_of(supervisor) == set()
        assert supervisor.check_password(PASSWORD)


def test_every_username_is_lower_case(reference: Any) -> None:
    usernames = list(Officer.objects.values_list("username", flat=True))
    assert len(usernames) >= 2 * len(AGENCY_CODES) + 1 + len(STATE_CODES)
    assert all(name == name.lower() for name in usernames)
    assert "lka-bw.analyst" in usernames and "LKA-BW.analyst" not in usernames


def test_intelligence_services_are_not_authorised_for_gws(reference: Any) -> None:
    for code in ("bfv", "bnd", "mad", "lfv-by"):
        assert files_of(Officer.objects.get(username=f"{code}.analyst")) == {"ATD"}
    for code in ("bka", "bpol", "zka", "lka-by"):
        assert files_of(Officer.objects.get(username=f"{code}.analyst")) == {"ATD", "GWS"}


def test_an_officer_belongs_to_exactly_one_agency(reference: Any) -> None:
    officers = Officer.objects.exclude(role=Role.SUPERVISOR)
    assert officers.filter(agency__isnull=True).count() == 0
    for officer in officers.filter(username__endswith=".analyst"):
        groups = [
            g for g in officer.groups.values_list("name", flat=True) if g.startswith("agency:")
        ]
        assert officer.agency is not None
        assert groups == [officer.agency.group_name]
