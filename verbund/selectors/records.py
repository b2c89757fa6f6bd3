"""Read records for interfaces, always through the access layer, and shape them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from verbund.access.logging import log_record
from verbund.access.records import access_record, records_for, use_markings_for
from verbund.errors import Invalid
from verbund.models import Record


def record_reference(record: Record) -> dict[str, Any]:
    """Return the file reference of a record (R-C3)."""
    return {
        "agency": record.owner.code,
        "file_number": record.file_number,
        "classification": record.classification,
    }


def record_data(record: Record, *, actor: Any, blocked_use: bool = False) -> dict[str, Any]:
    """Return what the actor may see of a record it may view.

    The owner sees everything; another agency with access sees basic data, extended data
    and the reference (R-F1; the grant shapes what extended data exist for it). A blocked
    record (R-L3) shows its owner only the reference, dates and status: its data are used
    only on a ground of ATDG §11(3), named and logged (``blocked_use=True`` from
    ``verbund.services.reviews.blocked_use``).
    """
    owner = record.owner_id == actor.agency_id
    withheld = owner and record.status == "blocked" and not blocked_use
    data: dict[str, Any] = {
        "id": str(record.pk),
        "file": record.file.code,
        "kind": record.kind,
        "reference": record_reference(record),
    }
    if withheld:
        pass
    elif record.is_person:
        data["basic"] = record.basic
        if record.file.is_atd:
            data["case_group"] = record.case_group
            data["extended"] = record.extended
        else:
            # R-M2, R-M3, R-M7: the incident report travels with the record to every
            # participant that may read it.
            data["incident"] = record.incident or {}
    else:
        data["object"] = record.object_data
    if withheld:
        data.update(
            {
                "markings": record.markings,
                "storage": record.storage,
                "review_date": record.review_date.isoformat(),
                "deletion_date": record.deletion_date.isoformat(),
                "status": record.status,
                "blocked_reason": record.blocked_reason,
                "blocked_at": record.blocked_at.isoformat() if record.blocked_at else None,
                "version": record.version,
                "created_at": record.created_at.isoformat(),
                "updated_at": record.updated_at.isoformat(),
            }
        )
    elif owner:
        data.update(
            {
                "storage": record.storage,
                "storage_decision": (
                    {
                        "decided_by": record.storage_decided_by.username,
                        "reasons": record.storage_reasons,
                    }
                    if record.storage_decided_by
                    else None
                ),
                "markings": record.markings,
                "findings_basis": record.findings_basis,
                "withheld": record.withheld,
                "linked_person": str(record.linked_person_id) if record.linked_person_id else None,
                "review_date": record.review_date.isoformat(),
                "deletion_date": record.deletion_date.isoformat(),
                # R-L4a: where the dates come from; the rule cites its provision.
                "dates_source": record.dates_source,
                "dates_rule": (
                    {
                        "provision": record.dates_rule.provision,
                        "valid_from": record.dates_rule.valid_from.isoformat(),
                    }
                    if record.dates_rule_id and record.dates_rule
                    else None
                ),
                "status": record.status,
                "blocked_reason": record.blocked_reason,
                "blocked_at": record.blocked_at.isoformat() if record.blocked_at else None,
                "version": record.version,
                "created_at": record.created_at.isoformat(),
                "updated_at": record.updated_at.isoformat(),
            }
        )
    else:
        # R-C7: markings travel with the data to every recipient, use markings too.
        data["markings"] = record.markings
        data["use_markings"] = use_markings_for(actor, record)
    if owner and not record.file.is_atd:
        data.update(_gws_owner_facts(record, actor))
    return data


def _gws_owner_facts(record: Record, actor: Any) -> dict[str, Any]:
    """Return the owner's GWS facts: the releasing state system (R-M1) and whether the
    record counts as stored without legal basis today (R-M5). The answer per file and
    owner is kept on the actor for the request, so a page of records costs one query."""
    from verbund.services.legal_bases import stored_without_legal_basis

    source = (
        {
            "system": record.source_system,
            "reference": record.source_reference,
            "legacy": record.legacy,
        }
        if record.source_system
        else None
    )
    memo = actor.__dict__.setdefault("_legal_basis_memo", {})
    flag = stored_without_legal_basis(record, memo=memo)
    return {"source": source, "stored_without_legal_basis": flag}


def record_get(*, actor: Any, record_id: Any) -> dict[str, Any]:
    """Return one record for display, logging the access (R-I1)."""
    record = access_record(actor, record_id, "view")
    log_record(actor=actor, action="record.view", record=record)
    return record_data(record, actor=actor)


def own_records(*, actor: Any, file_code: str | None = None) -> QuerySet[Record]:
    """Return the records owned by the actor's agency, newest first."""
    qs = records_for(actor, "change").select_related(
        "file", "owner", "storage_decided_by", "dates_rule"
    )
    if file_code:
        if "\x00" in file_code:
            # PostgreSQL refuses NUL bytes in a query: answer 400, not 500.
            raise Invalid(
                "Unzulässige Zeichen.", code="invalid_characters", fields={"file": ["NUL"]}
            )
        qs = qs.filter(file__code=file_code)
    return qs.order_by("-created_at")
