"""The partner registry and the legal bases of international exchange: seeds and reads (R-N1).

Seeded idempotently (get_or_create by code; an administrator's later edits are kept) from
``verbund.services.reference.reference_data_ensure``, so the demo and every test have them.
Exactly what the seeds name, each row citing its source:

* 000 Q4: one BMI liaison officer posted to the DHS; two BKA liaison officers and one BPOL
  liaison officer at the German embassy in Washington;
* 000 Q1, Q4: the DHS and ICE, an authority in the DHS's remit (``parent``), with which the
  BKA works only case by case;
* 000 Q6: the US Consulate General in Frankfurt am Main, the BPOL's contact in return cases;
  Interpol and Europol as the channels of police legal assistance in criminal matters.

Legal bases (000 Q4; 002 Rn. 89), each listing the agency codes that may use it — read
narrowly from the seeds: the BKAG sections are the BKA's own statute (§ 2 central office,
§ 3 international criminal-police cooperation, § 6 protection of members of the
constitutional organs); Nr. 123 RiVASt governs *police* legal assistance in criminal
matters, so the police agencies (BKA, BPOL, the LKÄ); Art. 2 Council Decision 2005/671/JHA
binds the member states for what their *law enforcement* authorities found in criminal
investigations of terrorist offences, so police and customs investigation (ZKA), never the
intelligence services. No seed says a basis covers Art. 10 / Art. 13 GG data
(``covers_art10_art13`` stays off; 002 Rn. 225 asks a basis that says so).

Liaison officers are German officers posted abroad, listed by sender and host for the
statistics (000 Q4); they are channels, not foreign bodies, and are not flagged
``case_by_case`` except the BKA's, through whom exchange with the US runs only case by case
(000 Q6).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from agencies.models import AgencyKind
from international.models import LegalBasis, Partner, PartnerKind

# Sources as officers read them on the registry page (no internal seed-file ids): 000 is
# the Federal Government's answer on BT-Drs. 21/4196, 002 the court's ATD judgment.
Q1 = "BT-Drs. 21/4196, Antwort zu Frage 1"
Q4 = "BT-Drs. 21/4196, Antwort zu Frage 4"
Q6 = "BT-Drs. 21/4196, Antwort zu Frage 6"
Q1_Q4 = "BT-Drs. 21/4196, Antworten zu Fragen 1 und 4"
RN89 = "BVerfG, Urteil vom 24.04.2013, 1 BvR 1215/07, Rn. 89"
EMBASSY = "Deutsche Botschaft Washington"

# (code, name, kind, country, sender, host, parent code, case_by_case, source)
PARTNERS: list[tuple[str, str, str, str, str, str, str, bool, str]] = [
    (
        "interpol",
        "Interpol (Generalsekretariat Lyon / IPCC)",
        PartnerKind.INTERPOL,
        "",
        "",
        "",
        "",
        True,
        Q6,
    ),
    ("europol", "Europol", PartnerKind.EUROPOL, "", "", "", "", True, Q6),
    (
        "us-dhs",
        "Department of Homeland Security (DHS)",
        PartnerKind.FOREIGN_AGENCY,
        "US",
        "",
        "",
        "",
        True,
        Q1_Q4,
    ),
    (
        "us-ice",
        "Immigration and Customs Enforcement (ICE)",
        PartnerKind.FOREIGN_AGENCY,
        "US",
        "",
        "",
        "us-dhs",
        True,
        Q1_Q4,
    ),
    (
        "us-gk-frankfurt",
        "US-Generalkonsulat Frankfurt am Main",
        PartnerKind.FOREIGN_AGENCY,
        "US",
        "",
        "",
        "",
        True,
        Q6,
    ),
    (
        "vb-bmi-dhs",
        "Verbindungsbeamter des BMI beim DHS",
        PartnerKind.LIAISON_OFFICER,
        "US",
        "BMI",
        "DHS",
        "",
        False,
        Q4,
    ),
    (
        "vb-bka-washington-1",
        "Verbindungsbeamter des BKA an der Botschaft Washington (1)",
        PartnerKind.LIAISON_OFFICER,
        "US",
        "BKA",
        EMBASSY,
        "",
        True,
        Q4,
    ),
    (
        "vb-bka-washington-2",
        "Verbindungsbeamter des BKA an der Botschaft Washington (2)",
        PartnerKind.LIAISON_OFFICER,
        "US",
        "BKA",
        EMBASSY,
        "",
        True,
        Q4,
    ),
    (
        "vb-bpol-washington",
        "Verbindungsbeamter der Bundespolizei an der Botschaft Washington",
        PartnerKind.LIAISON_OFFICER,
        "US",
        "BPOL",
        EMBASSY,
        "",
        False,
        Q4,
    ),
]

# (code, citation, title, source, agency selector)
POLICE = "police"
LAW_ENFORCEMENT = "law_enforcement"
LEGAL_BASES: list[tuple[str, str, str, str, str]] = [
    (
        "bkag-3",
        "§ 3 BKAG",
        "Internationale Zusammenarbeit (kriminalpolizeilicher Dienstverkehr mit dem Ausland)",
        Q4,
        "BKA",
    ),
    (
        "rivast-123",
        "Nr. 123 RiVASt",
        "Polizeiliche Rechtshilfe in Strafsachen (Nachrichtenaustausch über Interpol, Europol "
        "und Verbindungsbeamte)",
        Q4,
        POLICE,
    ),
    (
        "bkag-2",
        "§ 2 BKAG",
        "Zentralstelle: Bindeglied zwischen in- und ausländischen Strafverfolgungsbehörden",
        Q4,
        "BKA",
    ),
    (
        "bkag-6",
        "§ 6 BKAG",
        "Schutz von Mitgliedern der Verfassungsorgane des Bundes",
        Q4,
        "BKA",
    ),
    (
        "ratsbeschluss-2005-671-art2",
        "Art. 2 Beschluss 2005/671/JI des Rates vom 20.09.2005",
        "Weiterleitung von Ermittlungsergebnissen zu terroristischen Straftaten an Eurojust, "
        "Europol und die anderen Mitgliedstaaten",
        RN89,
        LAW_ENFORCEMENT,
    ),
]


def _agency_codes(selector: str, agencies: dict[str, Any]) -> list[str]:
    if selector == POLICE:
        kinds = {AgencyKind.POLICE}
    elif selector == LAW_ENFORCEMENT:
        kinds = {AgencyKind.POLICE, AgencyKind.CUSTOMS}
    else:
        return [selector]
    return sorted(code for code, agency in agencies.items() if agency.kind in kinds)


def registry_ensure(agencies: dict[str, Any]) -> None:
    """Create the seeded partners and legal bases once; later admin edits are kept."""
    by_code: dict[str, Partner] = {}
    for code, name, kind, country, sender, host, parent, case_by_case, source in PARTNERS:
        partner, _ = Partner.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "country": country,
                "sender": sender,
                "host": host,
                "parent": by_code.get(parent) if parent else None,
                "case_by_case": case_by_case,
                "source": source,
            },
        )
        by_code[code] = partner
    for code, citation, title, source, selector in LEGAL_BASES:
        LegalBasis.objects.get_or_create(
            code=code,
            defaults={
                "citation": citation,
                "title": title,
                "source": source,
                "agencies": _agency_codes(selector, agencies),
                "covers_art10_art13": False,
            },
        )


def partners() -> QuerySet[Partner]:
    """Return the active partners (a registry: every officer may read it, R-N1)."""
    return Partner.objects.filter(active=True).select_related("parent")


def partner_get(code: Any) -> Partner | None:
    """Return one active partner by its public code, or None."""
    if not isinstance(code, str) or "\x00" in code:
        return None
    return partners().filter(code=code).first()


def legal_bases() -> QuerySet[LegalBasis]:
    """Return the active legal bases of international exchange."""
    return LegalBasis.objects.filter(active=True)
