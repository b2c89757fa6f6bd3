"""Create officers and supervisors with their authorisations (idempotent)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction

from agencies.models import Agency, FileAuthorisation, Officer, Role
from audit.services import log_event


@transaction.atomic
def officer_ensure(
    *,
    username: str,
    agency: Agency | None,
    role: str,
    password: str,
    files: Iterable[object] = (),
    jurisdiction: str = "",
) -> Officer:
    """Create or update an officer, its agency group membership and file authorisations."""
    officer = Officer.objects.filter(username=username).first()
    created = officer is None
    if officer is None:
        officer = Officer(username=username)
        officer.set_password(password)
    officer.agency = agency
    officer.role = role
    officer.jurisdiction = jurisdiction
    officer.is_active = True
    officer.save()
    if agency is not None:
        group, _ = Group.objects.get_or_create(name=agency.group_name)
        officer.groups.add(group)
    for file in files:
        FileAuthorisation.objects.get_or_create(officer=officer, file=file)
    if created:
        log_event(
            actor=None,
            agency=agency,
            action="officer.create",
            object_type="officer",
            object_id=str(officer.pk),
            details={"username": username, "role": role, "jurisdiction": jurisdiction},
        )
    return officer


def demo_officers(password: str) -> list[Officer]:
    """Create the demo accounts of api.md for every agency and supervisor."""
    from verbund.models import Participation

    out = []
    for agency in Agency.objects.all():
        files = [p.file for p in Participation.objects.filter(agency=agency).select_related("file")]
        prefix = agency.code.lower()
        out.append(
            officer_ensure(
                username=f"{prefix}.analyst",
                agency=agency,
                role=Role.ANALYST,
                password=password,
                files=files,
            )
        )
        out.append(
            officer_ensure(
                username=f"{prefix}.head",
                agency=agency,
                role=Role.HEAD,
                password=password,
                files=files,
            )
        )
    bka = Agency.objects.get(code="BKA")
    out.append(
        officer_ensure(
            username="bka.auskunft", agency=bka, role=Role.SUBJECT_DESK, password=password
        )
    )
    out.append(
        officer_ensure(username="bka.betrieb", agency=bka, role=Role.OPERATOR, password=password)
    )
    out.append(
        officer_ensure(
            username="bfdi.supervisor",
            agency=None,
            role=Role.SUPERVISOR,
            password=password,
            jurisdiction="federal",
        )
    )
    from agencies.models import STATE_CODES

    for state in STATE_CODES:
        out.append(
            officer_ensure(
                username=f"lfd-{state.lower()}.supervisor",
                agency=None,
                role=Role.SUPERVISOR,
                password=password,
                jurisdiction=state,
            )
        )
    return out
