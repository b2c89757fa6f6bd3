"""Create the reference data: agencies, files, legal bases, orders, catalogues (idempotent)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction

from agencies.models import STATES, Agency, AgencyKind, AgencyLevel
from verbund.models import (
    CatalogueValue,
    CatalogueVersion,
    EstablishmentOrder,
    EstablishmentOrderApproval,
    File,
    LegalBasis,
    Participation,
    StateSystem,
)
from verbund.models.files import LegalBasisKind
from verbund.services.legal_bases import basis_set

FEDERAL_AGENCIES = [
    ("BKA", "Bundeskriminalamt", AgencyKind.POLICE),
    ("BPOL", "Bundespolizeipräsidium", AgencyKind.POLICE),
    ("ZKA", "Zollkriminalamt", AgencyKind.CUSTOMS),
    ("BFV", "Bundesamt für Verfassungsschutz", AgencyKind.INTELLIGENCE),
    ("BND", "Bundesnachrichtendienst", AgencyKind.INTELLIGENCE),
    # R-A5: MAD counts as an intelligence service for every kind-dependent rule.
    ("MAD", "Bundesamt für den Militärischen Abschirmdienst", AgencyKind.INTELLIGENCE),
]
ATD_APPROVALS = [
    "Bundesministerium des Innern",
    "Bundeskanzleramt",
    "Bundesministerium der Verteidigung",
    "Bundesministerium der Finanzen",
    "Innenministerien der Länder",
]
GWS_APPROVALS = ["Innenministerien der Länder"]
BKADV = "BKA-Daten-Verordnung (BKADV) vom 4.6.2010 nach § 7 Abs. 6 BKAG"
STATE_SYSTEMS = [("POLAS-BW", "POLAS Baden-Württemberg (Landesauskunftssystem)", "BW")]

ATD_PURPOSES = [
    {"code": "ct_task", "label": "Aufklärung/Bekämpfung des internationalen Terrorismus"},
    {"code": "identity_check", "label": "Prüfung der Identität eines Treffers"},
    {"code": "transfer_request", "label": "Vorbereitung eines Übermittlungsersuchens"},
    {"code": "gba", "label": "Im Auftrag des Generalbundesanwalts (§ 6 Abs. 4 ATDG)"},
]
GWS_PURPOSES = [
    {"code": "event_danger", "label": "Gefahrenabwehr bei Sportveranstaltungen"},
    {"code": "prosecution", "label": "Strafverfolgung"},
    {"code": "identity_check", "label": "Identitätsfeststellung"},
]
URGENCIES = [
    {"code": "routine", "label": "Routine"},
    {"code": "urgent", "label": "Eilbedürftig"},
    {"code": "immediate", "label": "Sofort"},
]

CATALOGUES: dict[str, list[tuple[str, str, str]]] = {
    "case_groups": [
        (
            "1a",
            "1a: Mitglied/Unterstützer einer terroristischen Vereinigung",
            "1a: member or supporter",
        ),
        (
            "1b",
            "1b: Mitglied einer unterstützenden Gruppierung",
            "1b: member of a supporting group",
        ),
        ("1c", "1c: Unterstützer einer 1b-Gruppierung", "1c: supporter of a 1b group"),
        ("2", "2: rechtswidrige Gewalt / vorsätzliches Hervorrufen", "2: unlawful violence"),
    ],
    "ethnicity": [
        ("arab", "arabisch", "Arab"),
        ("kurdish", "kurdisch", "Kurdish"),
        ("turkish", "türkisch", "Turkish"),
        ("chechen", "tschetschenisch", "Chechen"),
        ("pashtun", "paschtunisch", "Pashtun"),
        ("berber", "berberisch", "Berber"),
        ("bosniak", "bosniakisch", "Bosniak"),
        ("german", "deutsch", "German"),
    ],
    "religion": [
        ("islam_sunni", "Islam (sunnitisch)", "Islam (Sunni)"),
        ("islam_shia", "Islam (schiitisch)", "Islam (Shia)"),
        ("christian", "Christentum", "Christianity"),
        ("jewish", "Judentum", "Judaism"),
        ("yazidi", "Jesidentum", "Yazidism"),
        ("none", "keine", "none"),
    ],
    "skills": [
        ("explosives", "Sprengstoffkenntnisse", "explosives"),
        ("weapons", "Waffenkenntnisse", "weapons"),
        ("chemistry", "Chemische/biologische Kenntnisse", "chemical/biological"),
        ("aviation", "Flugkenntnisse", "flying"),
        ("it_attack", "IT-Angriffskenntnisse", "IT attack skills"),
        ("combat_training", "Kampfausbildung", "combat training"),
        ("forgery", "Dokumentenfälschung", "document forgery"),
    ],
    "critical_infrastructure": [
        ("energy", "Energieversorgung", "energy"),
        ("water", "Wasserversorgung", "water"),
        ("transport", "Transport und Verkehr", "transport"),
        ("telecom", "Informationstechnik und Telekommunikation", "IT and telecoms"),
        ("health", "Gesundheit", "health"),
        ("finance", "Finanz- und Versicherungswesen", "finance"),
        ("aviation_security", "Luftsicherheit", "aviation security"),
    ],
    "dangerousness": [
        ("armed", "bewaffnet", "armed"),
        ("violent", "gewalttätig", "violent"),
        ("ready_for_violence", "gewaltbereit", "ready for violence"),
        ("combat_experience", "Kampferfahrung", "combat experience"),
    ],
    "visited_places": [
        ("training_camp", "Ausbildungslager", "training camp"),
        ("conflict_zone", "Aufenthalt in Kampfgebiet", "conflict zone"),
        ("meeting_place", "Treffpunkt der Szene", "scene meeting place"),
        ("prison_network", "Haftanstalt mit Szenekontakten", "prison with scene contacts"),
    ],
    "marital_status": [
        ("single", "ledig", "single"),
        ("married", "verheiratet", "married"),
        ("divorced", "geschieden", "divorced"),
        ("widowed", "verwitwet", "widowed"),
    ],
    "device_types": [
        ("smartphone", "Smartphone", "smartphone"),
        ("satellite_phone", "Satellitentelefon", "satellite phone"),
        ("laptop", "Laptop", "laptop"),
        ("tablet", "Tablet", "tablet"),
    ],
}
CATALOGUE_VALID_FROM = datetime.date(2015, 1, 1)


def _agencies() -> dict[str, Agency]:
    out: dict[str, Agency] = {}
    rows: list[tuple[str, str, str, str, str]] = [
        (code, name, kind, AgencyLevel.FEDERAL, "") for code, name, kind in FEDERAL_AGENCIES
    ]
    for state, state_name in STATES:
        rows.append(
            (f"LKA-{state}", f"Landeskriminalamt {state_name}", AgencyKind.POLICE, "state", state)
        )
        rows.append(
            (
                f"LFV-{state}",
                f"Verfassungsschutz {state_name}",
                AgencyKind.INTELLIGENCE,
                "state",
                state,
            )
        )
    for code, name, kind, level, state in rows:
        agency, _ = Agency.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "level": level, "state": state}
        )
        Group.objects.get_or_create(name=agency.group_name)
        out[code] = agency
    return out


def _basis(kind: str, citation: str, in_force: datetime.date) -> LegalBasis:
    basis = LegalBasis.objects.filter(citation=citation).first()
    if basis is None:
        basis = LegalBasis.objects.create(kind=kind, citation=citation, in_force_from=in_force)
    return basis


def _order(file: File, approvals: list[str], **fields: Any) -> None:
    if file.orders.exists():
        return
    order = EstablishmentOrder.objects.create(file=file, version=1, **fields)
    for body in approvals:
        EstablishmentOrderApproval.objects.create(
            order=order, body=body, approved_on=fields["effective_from"]
        )


def _catalogues() -> None:
    for field, values in CATALOGUES.items():
        if CatalogueVersion.objects.filter(field=field).exists():
            continue
        version = CatalogueVersion.objects.create(
            field=field,
            number=1,
            valid_from=CATALOGUE_VALID_FROM,
            note="Erstveröffentlichung (Verwaltungsvorschrift des BKA, § 3 Abs. 4 ATDG)",
        )
        CatalogueValue.objects.bulk_create(
            CatalogueValue(version=version, code=c, label_de=de, label_en=en)
            for c, de, en in values
        )


@transaction.atomic
def reference_data_ensure() -> dict[str, Agency]:
    """Create agencies, ATD and GWS with bases, participants, orders and catalogues."""
    agencies = _agencies()
    atdg = _basis(
        LegalBasisKind.STATUTE,
        "Antiterrordateigesetz (ATDG) vom 22.12.2006, BGBl. I S. 3409, § 1 Abs. 1",
        datetime.date(2006, 12, 31),
    )
    atd, _ = File.objects.get_or_create(
        code="ATD",
        defaults={
            "name": "Antiterrordatei",
            "legal_basis": atdg,
            "required_approvals": ATD_APPROVALS,
            "requires_bfdi_hearing": True,
            "is_atd": True,
        },
    )
    # R-A2: the participants by statute.
    for agency in agencies.values():
        Participation.objects.get_or_create(file=atd, agency=agency, defaults={"legal_basis": atdg})
    _order(
        atd,
        ATD_APPROVALS,
        effective_from=datetime.date(2015, 1, 1),
        text=(
            "Errichtungsanordnung Antiterrordatei (§ 12 ATDG): Bereiche des internationalen "
            "Terrorismus, Datenarten und Eingabe, berechtigte Organisationseinheiten, "
            "Zweck- und Dringlichkeitskategorien, Protokollierung."
        ),
        purposes=ATD_PURPOSES,
        urgencies=URGENCIES,
        hit_limit=200,
        searches_per_minute=30,
        bfdi_heard_on=datetime.date(2014, 11, 1),
    )
    bkag = _basis(
        LegalBasisKind.STATUTE,
        "Bundeskriminalamtgesetz (BKAG) §§ 2, 11, 13 (INPOL-Teilnahme)",
        datetime.date(1997, 8, 1),
    )
    # R-A3, R-M5: GWS rests first on its establishment order alone, which carries no
    # entries; the ordinance under § 7(6) BKAG is registered below and opens the gate from
    # its entry into force (4 June 2010), not retroactively.
    gws_eo = _basis(
        LegalBasisKind.ESTABLISHMENT_ORDER,
        "Errichtungsanordnung Gewalttäter Sport (INPOL-Verbunddatei)",
        datetime.date(2004, 1, 1),
    )
    gws, _ = File.objects.get_or_create(
        code="GWS",
        defaults={
            "name": "Gewalttäter Sport",
            "legal_basis": gws_eo,
            "required_approvals": GWS_APPROVALS,
            "requires_bfdi_hearing": False,
            "is_atd": False,
        },
    )
    gws_members = [c for c in agencies if c.startswith("LKA-") or c in ("BKA", "BPOL", "ZKA")]
    for code in gws_members:
        Participation.objects.get_or_create(
            file=gws, agency=agencies[code], defaults={"legal_basis": bkag}
        )
    _order(
        gws,
        GWS_APPROVALS,
        # The order predates the ordinance (004 Rn. 21-33): it alone never carried entries.
        effective_from=datetime.date(2005, 1, 1),
        text="Errichtungsanordnung Gewalttäter Sport (INPOL-Verbunddatei).",
        purposes=GWS_PURPOSES,
        urgencies=URGENCIES,
        hit_limit=200,
        searches_per_minute=30,
        participants={
            "enter": [c for c in gws_members if c.startswith("LKA-")] + ["BPOL"],
            "retrieve": gws_members,
        },
        review_months={"adult": 60, "juvenile": 24, "child": 24},
        storage_months={"adult": 60, "juvenile": 24, "child": 24},
        search_modes=["name"],
        transfer_recipients=gws_members,
    )
    basis_set(gws, BKADV, datetime.date(2010, 6, 4))
    # R-M1: the simulated state systems that release records into GWS ("Freigabe").
    for code, name, state in STATE_SYSTEMS:
        StateSystem.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "state": state,
                "agency": agencies[f"LKA-{state}"],
                "file": gws,
            },
        )
    _catalogues()
    # International exchange (issue 20, intlreg branch): partner registry and legal bases.
    from international.services.registry import registry_ensure

    registry_ensure(agencies)
    # International exchange (issue 20, intlrn branch): the Red Notice checklist (R-N2).
    from international.services.notices import notice_criteria_ensure

    notice_criteria_ensure()
    return agencies
