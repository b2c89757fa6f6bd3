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
    if not owner:
        # R-N3: items a foreign body passed on in confidence are absent for everyone but
        # the owner (grants, Eilfall, GWS retrieval) until a release for this agency.
        from international.services.originator import hidden_items, strip_hidden

        data = strip_hidden(data, hidden_items(record, agency_id=actor.agency_id))
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


def _category(value: Any, name: str, allowed: list[dict[str, Any]]) -> str:
    codes = [c.get("code") for c in allowed if isinstance(c, dict)]
    if not isinstance(value, str) or value not in codes:
        detail = "Zulässig: " + ", ".join(str(c) for c in codes) + "."
        raise Invalid(detail, code="invalid_choice", fields={name: [detail]})
    return value


def retrieval_purpose(
    actor: Any, record: Record, purpose: Any = None, urgency: Any = None
) -> tuple[str, str, str]:
    """Return purpose, urgency and where they come from for a direct GWS retrieval (R-M7).

    A participant that reads another agency's GWS record states purpose and urgency (R-E1):
    given with the read (``purpose``/``urgency``, checked against the order in force: 400
    ``invalid_choice`` naming the parameter), or those of the officer's latest search that
    showed the record (``search``). The owner's reads and the ATD's (which go through hits,
    grants and Eilfall, each logged with their own purpose) return empty values.
    """
    from verbund.access.records import current_order
    from verbund.models import Hit

    if record.file.is_atd or record.owner_id == getattr(actor, "agency_id", None):
        if purpose is not None or urgency is not None:
            detail = "Nur beim unmittelbaren Abruf aus einer anderen Datei als der ATD."
            raise Invalid(
                detail,
                code="not_allowed",
                fields={
                    n: [detail]
                    for n, v in (("purpose", purpose), ("urgency", urgency))
                    if v is not None
                },
            )
        return "", "", ""
    if purpose is not None or urgency is not None:
        order = current_order(record.file)
        stated_purpose = _category(purpose, "purpose", order.purposes if order else [])
        stated_urgency = _category(urgency, "urgency", order.urgencies if order else [])
        return stated_purpose, stated_urgency, "stated"
    latest = (
        Hit.objects.filter(record=record, search__officer=actor)
        .order_by("-search__created_at")
        .values_list("search__purpose", "search__urgency")
        .first()
    )
    if latest is None:
        return "", "", ""
    return latest[0], latest[1], "search"


def record_get(
    *, actor: Any, record_id: Any, purpose: Any = None, urgency: Any = None
) -> dict[str, Any]:
    """Return one record for display, logging the access (R-I1).

    A direct GWS retrieval is logged with its purpose and urgency (``retrieval_purpose``).
    """
    record = access_record(actor, record_id, "view")
    stated, urgent, source = retrieval_purpose(actor, record, purpose, urgency)
    log_record(
        actor=actor,
        action="record.view",
        record=record,
        purpose=stated,
        urgency=urgent,
        details={"purpose_from": source} if source else None,
    )
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
