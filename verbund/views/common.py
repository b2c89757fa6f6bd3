"""Helpers shared by the browser views: error pages, access logging, display shaping."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from audit.services import log_event
from verbund.errors import DomainError
from verbund.forms import labels
from verbund.forms.date_rules import DATES_SOURCE_LABELS
from verbund.models import Record
from verbund.models.requests import USE_MARKING_LABELS
from verbund.selectors.catalogue import catalogue_current

CATALOGUE_SINGLE = ("ethnicity", "religion", "marital_status")
CATALOGUE_MULTI = ("skills", "critical_infrastructure", "dangerousness", "visited_places")
# Lists shown one per line rather than comma-separated (entries may contain commas).
LINE_LISTS = frozenset({"addresses", "former_addresses", "physical_features", "identity_papers"})


def language() -> str:
    """Return the two-letter language of the request ("de" or "en")."""
    return (get_language() or "de")[:2]


def forbidden(request: HttpRequest, exc: DomainError | None = None) -> HttpResponse:
    """Render the 403 page: the caller may know the record but may not do this (R-H1)."""
    detail = exc.detail if exc is not None else _("Only the owning agency may do this.")
    code = exc.code if exc is not None else "not_owner"
    return render(request, "verbund/403.html", {"detail": detail, "code": code}, status=403)


def log_records_shown(actor: Any, records: Iterable[Record], action: str = "record.list") -> None:
    """Log a page of records shown to the officer (R-I1); covert ones owner-only (R-I5)."""
    refs: list[dict[str, Any]] = []
    covert: list[dict[str, Any]] = []
    for record in records:
        ref = {
            "record": str(record.pk),
            "agency": record.owner.code,
            "file_number": record.file_number,
        }
        (covert if record.storage == "covert" else refs).append(ref)
    with transaction.atomic():
        log_event(actor=actor, action=action, object_type="record", references=refs, covert=covert)


def catalogue_labels() -> dict[str, dict[str, str]]:
    """Return ``{field: {code: label}}`` of the catalogues in force, in the request language."""
    return {
        field: {v["code"]: v["label"] for v in values}
        for field, values in catalogue_current(language=language()).items()
    }


def show_date(value: Any) -> str:
    """Return an ISO date or datetime string formatted for the request's locale."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            parsed: Any = (
                datetime.datetime.fromisoformat(value)
                if "T" in value
                else datetime.date.fromisoformat(value)
            )
        except ValueError:
            return value
    else:
        parsed = value
    if isinstance(parsed, datetime.datetime):
        if timezone.is_aware(parsed):
            parsed = timezone.localtime(parsed)
        return formats.date_format(parsed, "SHORT_DATETIME_FORMAT")
    return formats.date_format(parsed, "SHORT_DATE_FORMAT")


def _show_value(key: str, value: Any, cat: dict[str, dict[str, str]]) -> str:
    if key in CATALOGUE_SINGLE:
        return cat.get(key, {}).get(value, value)
    if key in CATALOGUE_MULTI:
        return ", ".join(cat.get(key, {}).get(v, v) for v in value)
    if key == "sex":
        return labels.label(labels.SEX_LABELS, value)
    if key in ("date_of_birth", "last_event_date"):
        return show_date(value)
    if isinstance(value, list):
        return ("\n" if key in LINE_LISTS else ", ").join(str(v) for v in value)
    return str(value)


def _rows(data: dict[str, Any], names: dict[str, Any], cat: dict[str, dict[str, str]]) -> list:
    rows = []
    for key, label in names.items():
        if key == "contact_persons":
            continue
        value = data.get(key)
        if value in (None, "", []):
            continue
        rows.append({"key": key, "label": label, "value": _show_value(key, value, cat)})
    # Keys the UI has no label for are still shown (nothing stored stays hidden from the owner).
    for key, value in data.items():
        if key not in names and value not in (None, "", []):
            rows.append({"key": key, "label": key, "value": _show_value(key, value, cat)})
    return rows


def record_title(basic: dict[str, Any], obj: dict[str, Any]) -> str:
    """Return a short title: "Surname, Given names" or the object identifier."""
    if basic:
        given = basic.get("given_names", "")
        return f"{basic.get('surname', '')}, {given}" if given else basic.get("surname", "")
    return obj.get("identifier", "")


def present_record(data: dict[str, Any]) -> dict[str, Any]:
    """Shape record data (``record_get``) into labelled rows for the detail page."""
    cat = catalogue_labels()
    basic = data.get("basic") or {}
    extended = data.get("extended") or {}
    obj = data.get("object") or {}
    decision = data.get("storage_decision") or {}
    contacts = [
        {
            "surname": cp.get("surname", ""),
            "given_names": cp.get("given_names", ""),
            "date_of_birth": show_date(cp.get("date_of_birth", "")),
            "other": _rows(
                {
                    k: v
                    for k, v in cp.items()
                    if k not in ("surname", "given_names", "date_of_birth")
                },
                labels.CONTACT_PERSON_LABELS,
                cat,
            ),
        }
        for cp in extended.get("contact_persons", [])
    ]
    reference = data.get("reference") or {}
    return {
        "id": data["id"],
        "title": record_title(basic, obj),
        "file": data.get("file", ""),
        "file_label": labels.label(labels.FILE_LABELS, data.get("file", "")),
        "kind": data.get("kind", ""),
        "kind_label": labels.label(labels.KIND_LABELS, data.get("kind", "")),
        "is_person": data.get("kind") == "person",
        "case_group": data.get("case_group", ""),
        "case_group_label": cat.get("case_groups", {}).get(
            data.get("case_group", ""), data.get("case_group", "")
        ),
        "basic": _rows(basic, labels.BASIC_LABELS, cat),
        "extended": _rows(extended, labels.EXTENDED_LABELS, cat),
        "has_extended": "extended" in data,
        "contacts": contacts,
        "object": _rows(obj, labels.OBJECT_LABELS, cat),
        "linked_person": data.get("linked_person"),
        "withheld": sorted(
            labels.label(labels.EXTENDED_LABELS, w) for w in data.get("withheld", [])
        ),
        "markings": [labels.label(labels.MARKING_LABELS, m) for m in data.get("markings", [])],
        # R-C7, R-F2: use markings of released data, in German, for the recipient.
        "use_markings": [str(USE_MARKING_LABELS.get(m, m)) for m in data.get("use_markings", [])],
        "storage": data.get("storage", ""),
        "storage_label": labels.label(labels.STORAGE_LABELS, data.get("storage", "")),
        "decided_by": decision.get("decided_by", ""),
        "decision_reasons": decision.get("reasons", ""),
        "findings_basis": data.get("findings_basis", ""),
        "agency": reference.get("agency", ""),
        "file_number": reference.get("file_number", ""),
        "classification": reference.get("classification", "none"),
        "classification_label": labels.label(
            labels.CLASSIFICATION_LABELS, reference.get("classification", "none")
        ),
        "review_date": show_date(data.get("review_date")),
        "deletion_date": show_date(data.get("deletion_date")),
        # R-L4a: where the dates come from; a rule is cited with its provision.
        "dates_source_label": labels.label(DATES_SOURCE_LABELS, data.get("dates_source", "")),
        "dates_provision": (data.get("dates_rule") or {}).get("provision", ""),
        "status": data.get("status", ""),
        "status_label": labels.label(labels.STATUS_LABELS, data.get("status", "")),
        "blocked_reason": data.get("blocked_reason", ""),
        "version": data.get("version"),
        "created_at": show_date(data.get("created_at")),
        "updated_at": show_date(data.get("updated_at")),
    }


def present_row(record: Record, cat: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Shape one own record for the list page."""
    return {
        "id": record.pk,
        "file": record.file.code,
        "file_number": record.file_number,
        "kind_label": labels.label(labels.KIND_LABELS, record.kind),
        "case_group": record.case_group,
        "case_group_label": cat.get("case_groups", {}).get(record.case_group, record.case_group),
        "storage": record.storage,
        "storage_label": labels.label(labels.STORAGE_LABELS, record.storage),
        "status": record.status,
        "status_label": labels.label(labels.STATUS_LABELS, record.status),
        # R-L3: a blocked record's data are used only on a named ground: no name here.
        "title": ""
        if record.status == "blocked"
        else record_title(record.basic or {}, record.object_data or {}),
        "created_at": record.created_at,
    }
