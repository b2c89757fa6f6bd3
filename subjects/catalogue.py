"""Refusal grounds per agency (R-K3) and the agencies' subject desks (R-K2): demo seed.

Project decision: the grounds are a catalogue per agency, each citing the agency's own law.
The federal police agencies cite § 19 Abs. 4 BDSG (old version, the one ATDG §10(2) refers
to; BVerfG 1 BvR 1215/07 Rn. 210); the BfV the four grounds of § 15 Abs. 2 BVerfSchG;
BND, MAD and the state offices for the protection of the constitution apply § 15 BVerfSchG
as a project decision; the state police summarise their state police laws (project
decision, e.g. Art. 48 Abs. 2 BayPAG as the court cites it).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from agencies.models import Agency, AgencyKind, AgencyLevel, Officer, Role
from agencies.services import officer_ensure
from subjects.models import RefusalGround


@dataclass(frozen=True)
class Ground:
    """One catalogue entry."""

    code: str
    label: str
    citation: str


# § 15(2) BVerfSchG: the four grounds, decided by the head or a specially authorised employee.
BVERFSCHG_15 = (
    Ground(
        "s15_tasks",
        "Gefährdung der Aufgabenerfüllung durch die Auskunftserteilung",
        "§ 15 Abs. 2 Nr. 1 BVerfSchG",
    ),
    Ground(
        "s15_sources",
        "Gefährdung von Quellen oder Ausforschung des Erkenntnisstandes oder der Arbeitsweise",
        "§ 15 Abs. 2 Nr. 2 BVerfSchG",
    ),
    Ground(
        "s15_security",
        "Gefährdung der öffentlichen Sicherheit oder Nachteile für das Wohl des Bundes oder "
        "eines Landes",
        "§ 15 Abs. 2 Nr. 3 BVerfSchG",
    ),
    Ground(
        "s15_secrecy",
        "Geheimhaltung nach einer Rechtsvorschrift oder ihrem Wesen nach, insbesondere wegen "
        "überwiegender berechtigter Interessen Dritter",
        "§ 15 Abs. 2 Nr. 4 BVerfSchG",
    ),
)
FEDERAL_POLICE = {
    "BKA": "BKAG i. V. m. ",
    "BPOL": "BPolG i. V. m. ",
    "ZKA": "ZFdG i. V. m. ",
}
POLICE_GROUNDS = (
    ("tasks", "Gefährdung der ordnungsgemäßen Erfüllung der Aufgaben", "Nr. 1"),
    (
        "security",
        "Gefährdung der öffentlichen Sicherheit oder Nachteile für das Wohl des Bundes oder "
        "eines Landes",
        "Nr. 2",
    ),
    (
        "secrecy",
        "Geheimhaltung nach einer Rechtsvorschrift oder ihrem Wesen nach, insbesondere wegen "
        "überwiegender berechtigter Interessen Dritter",
        "Nr. 3",
    ),
)


def applies_s15(agency: Agency) -> bool:
    """Return whether § 15 BVerfSchG governs the agency's answers (R-K3a).

    The BfV by law; BND, MAD and the state offices (LfV) by project decision.
    """
    return agency.kind == AgencyKind.INTELLIGENCE


def s15_by_project_decision(agency: Agency) -> bool:
    """Return whether § 15 BVerfSchG applies to the agency only by project decision."""
    return applies_s15(agency) and agency.code != "BFV"


def grounds_for(agency: Agency) -> list[tuple[Ground, bool]]:
    """Return the demo catalogue of an agency: (ground, applies by project decision)."""
    if applies_s15(agency):
        project = s15_by_project_decision(agency)
        suffix = " (entsprechend)" if project else ""
        return [(Ground(g.code, g.label, g.citation + suffix), project) for g in BVERFSCHG_15]
    if agency.level == AgencyLevel.FEDERAL:
        prefix = FEDERAL_POLICE.get(agency.code, "")
        return [
            (Ground(code, label, f"{prefix}§ 19 Abs. 4 {nr} BDSG a. F."), False)
            for code, label, nr in POLICE_GROUNDS
        ]
    return [
        (
            Ground(
                code,
                label,
                f"Polizeigesetz des Landes {agency.state} ({nr}, Auskunftsverweigerung)",
            ),
            True,
        )
        for code, label, nr in POLICE_GROUNDS
    ]


@transaction.atomic
def refusal_grounds_ensure() -> int:
    """Create each agency's demo catalogue of refusal grounds (idempotent); return the count."""
    count = 0
    for agency in Agency.objects.all():
        for ground, project in grounds_for(agency):
            RefusalGround.objects.update_or_create(
                agency=agency,
                code=ground.code,
                defaults={
                    "label": ground.label,
                    "citation": ground.citation,
                    "project_decision": project,
                },
            )
            count += 1
    return count


def subject_desks_ensure(password: str) -> list[Officer]:
    """Create the refusal-ground catalogues and a subject desk for every agency but the BKA.

    ``bka.auskunft`` exists already (``agencies.services.demo_officers``); the other desks
    (``bfv.auskunft``, ``lka-bw.auskunft`` ...) answer for their own agency's data, covert
    ones included (R-K2).
    """
    refusal_grounds_ensure()
    out = []
    for agency in Agency.objects.exclude(code="BKA"):
        out.append(
            officer_ensure(
                username=f"{agency.code.lower()}.auskunft",
                agency=agency,
                role=Role.SUBJECT_DESK,
                password=password,
            )
        )
    return out
