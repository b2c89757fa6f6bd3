"""Register the ordinance a file rests on: the legal-basis gate (R-A3, R-M5).

A file whose only basis is its establishment order accepts no entries (``may_enter`` →
422 ``no_legal_basis``). Registering an ordinance (e.g. the BKA-Daten-Verordnung under
§ 7(6) BKAG for GWS) makes it the file's basis from its entry into force, never earlier:
``LegalBasis.carries_entries(day)`` is false before ``in_force_from``. Records stored while
the file had no basis count as stored without one exactly while the file's basis does not
carry entries (``stored_without_legal_basis``); from the day of entry into force they no
longer count as unlawful on that ground, and a deletion request on that ground made before
it is granted (004; BVerwG 6 C 5.09).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.services import log_event
from verbund.errors import Invalid
from verbund.models import File, LegalBasis, Record
from verbund.models.files import LegalBasisKind


def basis_set(file: File, citation: str, in_force_from: datetime.date) -> tuple[LegalBasis, bool]:
    """Make the ordinance ``citation`` the file's basis from ``in_force_from`` (no log).

    Idempotent: an ordinance already registered under that citation is kept. Returns the
    basis and whether the file's basis changed. For reference data; officers and
    administrators go through ``ordinance_register``.
    """
    basis = LegalBasis.objects.filter(citation=citation).first()
    if basis is None:
        basis = LegalBasis.objects.create(
            kind=LegalBasisKind.ORDINANCE, citation=citation, in_force_from=in_force_from
        )
    changed = file.legal_basis_id != basis.pk
    if changed:
        file.legal_basis = basis
        file.save(update_fields=["legal_basis"])
    return basis, changed


def ordinance_register(
    *, file: File, citation: Any, in_force_from: Any, actor: Any | None = None
) -> LegalBasis:
    """Register an ordinance as ``file``'s legal basis from its entry into force (R-A3).

    ``citation``: text of 1-300 characters; ``in_force_from``: an ISO date or a date. Not
    retroactive: the gate opens on ``in_force_from`` (which may lie in the future). Logged
    (``file.ordinance_register``, with the previous basis). Raises ``Invalid`` (400) naming
    ``citation`` or ``in_force_from``.
    """
    if not isinstance(citation, str) or not citation.strip() or len(citation.strip()) > 300:
        raise Invalid(
            "Fundstelle der Verordnung angeben (höchstens 300 Zeichen).",
            code="required",
            fields={"citation": ["Fundstelle der Verordnung angeben."]},
        )
    day = in_force_from
    if not isinstance(day, datetime.date):
        try:
            day = datetime.date.fromisoformat(str(in_force_from))
        except ValueError:
            raise Invalid(
                "Datum des Inkrafttretens als JJJJ-MM-TT angeben.",
                code="invalid_date",
                fields={"in_force_from": ["Datum als JJJJ-MM-TT angeben."]},
            ) from None
    known = LegalBasis.objects.filter(citation=citation.strip()).first()
    if known is not None and (known.kind != LegalBasisKind.ORDINANCE or known.in_force_from != day):
        detail = (
            f"Unter dieser Fundstelle ist bereits eine Rechtsgrundlage erfasst "
            f"(in Kraft ab {known.in_force_from.isoformat()})."
        )
        raise Invalid(detail, code="citation_registered", fields={"citation": [detail]})
    with transaction.atomic():
        locked = File.objects.select_for_update().select_related("legal_basis").get(pk=file.pk)
        previous = str(locked.legal_basis)
        basis, _changed = basis_set(locked, citation.strip(), day)
        log_event(
            actor=actor,
            action="file.ordinance_register",
            object_type="file",
            object_id=str(locked.pk),
            file=locked.code,
            details={
                "citation": basis.citation,
                "in_force_from": basis.in_force_from.isoformat(),
                "previous": previous,
            },
        )
    file.legal_basis = basis
    return basis


def stored_without_legal_basis(
    record: Record,
    on: datetime.date | None = None,
    *,
    memo: dict[tuple[Any, Any, datetime.date], bool] | None = None,
) -> bool:
    """Return whether ``record`` counts as stored without a legal basis on ``on`` (R-M5).

    True while the file's basis, or the owner's participation's, does not carry entries on
    that day (an establishment order alone, or an ordinance not yet in force). Records
    entered while the gate was open were entered under the basis; only legacy stock exists
    while it is closed. From the ordinance's entry into force the flag is gone. One query
    (both bases of the file and owner); ``memo`` (a dict the caller keeps for one request)
    answers further records of the same file and owner without one.
    """
    from verbund.models import Participation

    day = on or timezone.localdate()
    key = (record.file_id, record.owner_id, day)
    if memo is not None and key in memo:
        return memo[key]
    bases = (
        Participation.objects.filter(file_id=record.file_id, agency_id=record.owner_id)
        .values_list(
            "file__legal_basis__kind",
            "file__legal_basis__in_force_from",
            "legal_basis__kind",
            "legal_basis__in_force_from",
        )
        .first()
    )
    if bases is None:
        lacking = not record.file.legal_basis.carries_entries(day)
    else:
        lacking = not all(
            LegalBasis(kind=kind, in_force_from=since).carries_entries(day)
            for kind, since in (bases[:2], bases[2:])
        )
    if memo is not None:
        memo[key] = lacking
    return lacking


def basis_of_record(record: Record, on: datetime.date | None = None) -> LegalBasis:
    """Return the basis ``record`` rests on that day: the owner's participation's where it
    does not carry entries, else the file's (what a lapse or a review cites)."""
    from verbund.models import Participation

    day = on or timezone.localdate()
    part = (
        Participation.objects.filter(file_id=record.file_id, agency_id=record.owner_id)
        .select_related("legal_basis")
        .first()
    )
    if part is not None and not part.legal_basis.carries_entries(day):
        return part.legal_basis
    return record.file.legal_basis
