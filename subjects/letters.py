"""The answer letter to the applicant, in German (R-K1, R-K2, R-K3a, R-D5).

The letter is plain text, composed only from the request and the owners' decisions. For the
BKA's desk it covers only data not stored covertly and says so in fixed sentences that
neither confirm nor deny covert storage (R-K1, R-D5); nothing in it depends on covert
records, which the BKA's request never finds. No request id: two applicants' letters differ
only in what they are told.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils import timezone, translation

from agencies.models import STATES
from subjects.catalogue import applies_s15, s15_by_project_decision
from subjects.models import Ask, Consultation, Decision, Outcome, Scope, SubjectRequest
from verbund.forms import labels

ASK_WORDS = {
    Ask.ACCESS: "Auskunft",
    Ask.CORRECTION: "Berichtigung",
    Ask.DELETION: "Löschung",
}
BKA_SCOPE = (
    "Das Bundeskriminalamt erteilt Ihnen nach § 10 Abs. 2 Satz 1 ATDG im Einvernehmen mit den "
    "Behörden, die die Daten eingegeben haben, Auskunft über die zu Ihrer Person gespeicherten "
    "Daten, die nicht verdeckt gespeichert sind."
)
BKA_COVERT = (
    "Diese Auskunft erstreckt sich nur auf Daten, die nicht verdeckt gespeichert sind. Ob "
    "verdeckt gespeicherte Daten zu Ihrer Person vorhanden sind, kann das Bundeskriminalamt "
    "weder bestätigen noch verneinen. Über verdeckt gespeicherte Daten erteilt nach § 10 "
    "Abs. 2 Satz 2 ATDG allein die Behörde Auskunft, die sie eingegeben hat, nach den für sie "
    "geltenden Rechtsvorschriften. Einen Antrag dazu können Sie nur an jede teilnehmende "
    "Behörde einzeln richten."
)
OWN_SCOPE = (
    "Die Behörde „{agency}“ erteilt Ihnen nach den für sie geltenden Rechtsvorschriften "
    "(für die Antiterrordatei: § 10 Abs. 2 Satz 2 ATDG) Auskunft über die Daten zu Ihrer "
    "Person, die sie in die Verbunddateien eingegeben hat."
)
S15_FREE = (
    "Die Auskunft wird unentgeltlich erteilt (§ 15 Abs. 1 BVerfSchG{analog}). Sie erstreckt "
    "sich nicht auf die Herkunft der Daten und die Empfänger von Übermittlungen (§ 15 Abs. 3 "
    "BVerfSchG{analog})."
)
S15_NO_REASONS = (
    "Die Ablehnung wird nicht begründet, weil eine Begründung den Zweck der "
    "Auskunftsverweigerung gefährden würde (§ 15 Abs. 4 Satz 1 BVerfSchG{analog}); die Gründe "
    "sind aktenkundig gemacht. Sie können sich an {supervisor} wenden (§ 15 Abs. 4 Satz 3 "
    "BVerfSchG{analog})."
)
NOTHING = "Zu Ihrer Person sind in diesem Umfang keine Daten gespeichert."
REMEDY = (
    "Gegen Entscheidungen in diesem Schreiben können Sie Widerspruch einlegen. Sie können sich "
    "außerdem an die oder den Bundesbeauftragten für den Datenschutz und die "
    "Informationsfreiheit oder an die für die jeweilige Landesbehörde zuständige "
    "Landesdatenschutzbeauftragte wenden."
)


def _date(day: datetime.date | datetime.datetime) -> str:
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date()
    return day.strftime("%d.%m.%Y")


SEX_LABELS = {"m": "männlich", "f": "weiblich", "x": "divers", "u": "unbekannt"}
DATE_KEYS = ("date_of_birth", "last_event_date")


def _german_date(text: str) -> str:
    """``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (a partial birth date) as a German date."""
    parts = text.split("-")
    if all(p.isdigit() for p in parts) and 1 <= len(parts) <= 3:
        return ".".join(reversed(parts))
    return text


def _value(value: Any, key: str = "") -> str:
    """A stored value in words: codes as labels, dates in German order (no codes in letters)."""
    if isinstance(value, list):
        return ", ".join(_value(v, key) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(v, k)}" for k, v in value.items())
    if key == "sex":
        return SEX_LABELS.get(str(value), str(value))
    if key in DATE_KEYS and isinstance(value, str):
        return _german_date(value)
    return str(value)


def _incident_lines(incident: dict[str, Any]) -> list[str]:
    """A GWS incident report in words (R-M2, R-M3): its fields, the proceedings and every
    measure noted against the entry, with German labels and dates (no codes)."""
    from verbund.forms import records as record_labels

    def label(table: dict[str, Any], key: str) -> str:
        return str(table.get(key, key))

    def shown(value: Any, key: str) -> str:
        if key in ("date", "from", "until") and isinstance(value, str):
            return _german_date(value)
        if key == "status":
            return label(record_labels.PROCEEDINGS_STATUS_LABELS, str(value))
        if key == "kind":
            return label(record_labels.MEASURE_KIND_LABELS, str(value))
        return _value(value, key)

    lines = ["    Vorkommnisbericht:"]
    for key, value in incident.items():
        if key in ("proceedings", "measures"):
            continue
        lines.append(f"      {label(record_labels.INCIDENT_LABELS, key)}: {shown(value, key)}")
    proceedings = incident.get("proceedings") or {}
    for key, value in proceedings.items():
        lines.append(f"      {label(record_labels.PROCEEDINGS_LABELS, key)}: {shown(value, key)}")
    for number, measure in enumerate(incident.get("measures") or [], start=1):
        parts = [
            f"{label(record_labels.MEASURE_LABELS, key)}: {shown(value, key)}"
            for key, value in measure.items()
        ]
        lines.append(f"      Maßnahme {number}: " + "; ".join(parts))
    return lines


def _data_lines(disclosed: dict[str, Any]) -> list[str]:
    """The released data, field by field, with German labels."""
    lines = []
    with translation.override("de"):
        for key, value in (disclosed.get("basic") or {}).items():
            lines.append(f"    {labels.label(labels.BASIC_LABELS, key)}: {_value(value, key)}")
        for key, value in (disclosed.get("extended") or {}).items():
            lines.append(f"    {labels.label(labels.EXTENDED_LABELS, key)}: {_value(value, key)}")
        if disclosed.get("incident"):
            lines += _incident_lines(disclosed["incident"])
    return lines


def _still_disclosed(consultation: Consultation, disclosed: dict[str, Any]) -> dict[str, Any]:
    """The released data without items under an originator marking recorded since the
    owner's decision (R-N3): the letter reads as if they were never stored."""
    from international.services.originator import hidden_items, strip_hidden

    if consultation.record_id is None or consultation.record is None:
        return disclosed
    return strip_hidden(disclosed, hidden_items(consultation.record))


def _supervisor(consultation: Consultation) -> str:
    owner = consultation.owner
    if owner.level == "federal":
        return "die Bundesbeauftragte oder den Bundesbeauftragten für den Datenschutz"
    state = dict(STATES).get(owner.state, owner.state)
    return f"die oder den Landesbeauftragten für den Datenschutz ({state})"


def _decision_lines(consultation: Consultation, decision: Decision) -> list[str]:
    owner = consultation.owner
    analog = " entsprechend" if s15_by_project_decision(owner) else ""
    if decision.ask == Ask.ACCESS:
        if decision.outcome == Outcome.AGREE:
            if not decision.disclosed:
                return ["  Auskunft: Die Daten sind inzwischen nicht mehr gespeichert."]
            return [
                "  Auskunft: Gespeichert sind folgende Daten:",
                *_data_lines(_still_disclosed(consultation, decision.disclosed)),
            ]
        ground = decision.ground
        lines = [
            "  Auskunft: Die Auskunft wird verweigert.",
            f"    Rechtsgrundlage: {ground.citation if ground else ''}",
        ]
        if decision.reasons_withheld and applies_s15(owner):
            lines.append(
                "    " + S15_NO_REASONS.format(analog=analog, supervisor=_supervisor(consultation))
            )
        else:
            lines.append(f"    Gründe: {decision.reasons}")
            if applies_s15(owner):
                lines.append(
                    f"    Sie können sich an {_supervisor(consultation)} wenden "
                    f"(§ 15 Abs. 4 Satz 3 BVerfSchG{analog})."
                )
        return lines
    word = ASK_WORDS[Ask(decision.ask)]
    if decision.outcome == Outcome.REFUSE:
        return [f"  {word}: abgelehnt. Gründe: {decision.reasons}"]
    done = (
        "Die Daten wurden berichtigt."
        if decision.ask == Ask.CORRECTION
        else ("Die Daten wurden gelöscht.")
    )
    return [f"  {word}: {done} Gründe: {decision.reasons}"]


def compose_letter(
    request: SubjectRequest,
    consultations: Iterable[Consultation],
    *,
    issued_at: datetime.datetime,
) -> str:
    """Return the letter's text (German) for an answered request."""
    agency = request.agency
    asks = " und ".join(ASK_WORDS[Ask(a)] for a in request.asks)
    lines = [
        agency.name,
        "Auskunftsstelle",
        "",
        f"An: {request.given_names} {request.surname}, geboren am {_date(request.date_of_birth)}",
        f"Datum: {_date(issued_at)}",
        "",
        f"Ihr Antrag vom {_date(request.created_at)} auf {asks}",
        "",
        f"Guten Tag {request.given_names} {request.surname},",
        "",
    ]
    if request.scope == Scope.NOT_COVERT:
        lines += [BKA_SCOPE, "", BKA_COVERT, ""]
    else:
        lines += [OWN_SCOPE.format(agency=agency.name), ""]
        if applies_s15(agency) and Ask.ACCESS in request.asks:
            analog = " entsprechend" if s15_by_project_decision(agency) else ""
            lines += [S15_FREE.format(analog=analog), ""]
    shown = [c for c in consultations]
    shown.sort(key=lambda c: (c.file.code, c.owner.code, c.file_number, str(c.pk)))
    if not shown:
        lines += [NOTHING, ""]
    for number, consultation in enumerate(shown, start=1):
        owner = consultation.owner
        with translation.override("de"):
            file_label = labels.label(labels.FILE_LABELS, consultation.file.code)
        lines.append(f"{number}. Datei: {file_label} — eingegeben von: {owner.name}")
        decisions = sorted(consultation.decisions.all(), key=lambda d: Ask.values.index(d.ask))
        for decision in decisions:
            lines += _decision_lines(consultation, decision)
        lines.append("")
    lines += [REMEDY, "", "Mit freundlichen Grüßen", agency.name]
    return "\n".join(lines)
