"""Decide who may see or change which records — the only place that does (architecture 1).

Superusers and global permissions see nothing here: running the platform grants no access
to police data. Covert records are visible to their owner only, not even to the BKA that
runs the file (R-D5).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any, Literal

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from verbund.errors import Forbidden, NotFound
from verbund.models import (
    AccessRequest,
    EmergencyAccess,
    File,
    Participation,
    Record,
    RecordGroupObjectPermission,
)
from verbund.models.emergencies import Consent
from verbund.models.files import EstablishmentOrder
from verbund.models.records import RecordStatus, Storage
from verbund.models.requests import (
    USE_CHECK_ONLY,
    USE_EILFALL,
    USE_MARKINGS,
    RequestKind,
    RequestStatus,
)

Action = Literal["view", "change", "delete", "block"]
_PERM = {
    "view": "view_record",
    "change": "change_record",
    "delete": "delete_record",
    "block": "block_record",
}


def _is_officer(actor: Any) -> bool:
    return bool(
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and getattr(actor, "agency_id", None)
        and getattr(actor, "role", "") not in ("supervisor", "operator")
        and getattr(actor, "is_active", False)
    )


def order_in_force(
    file: File,
    candidates: list[tuple[EstablishmentOrder, list[tuple[str, datetime.date]]]],
    today: datetime.date,
) -> EstablishmentOrder | None:
    """Return the first candidate in force on ``today`` (R-A6): every body the file requires
    approved by then and, where required, the BfDI heard. ``candidates`` are the versions
    effective by ``today``, highest version first, each with its ``(body, approved_on)``
    approvals. The one rule both ``current_order`` and the search's fixed SQL
    (``verbund.search.sql.search_context``) apply.
    """
    for order, approvals in candidates:
        bodies = {body for body, approved_on in approvals if approved_on <= today}
        if not set(file.required_approvals) <= bodies:
            continue
        if file.requires_bfdi_hearing and (
            order.bfdi_heard_on is None or order.bfdi_heard_on > today
        ):
            continue
        return order
    return None


def may_use_files(actor: Any) -> bool:
    """Return whether the account may use files at all: an active officer of an agency, not
    a supervisor or IT operator (``authorised_files`` is empty for everybody else)."""
    return _is_officer(actor)


def current_order(file: File) -> EstablishmentOrder | None:
    """Return the establishment order version in force today (R-A6), if any."""
    today = timezone.localdate()
    orders = file.orders.filter(effective_from__lte=today).prefetch_related("approvals")
    candidates = [(o, [(a.body, a.approved_on) for a in o.approvals.all()]) for o in orders]
    return order_in_force(file, candidates, today)


def authorised_files(actor: Any) -> QuerySet[File]:
    """Return the files an officer is explicitly authorised for (R-A4) and takes part in."""
    if not _is_officer(actor):
        return File.objects.none()
    return File.objects.filter(
        authorisations__officer=actor, participations__agency_id=actor.agency_id
    ).distinct()


def file_for_actor(actor: Any, code: str) -> File:
    """Return a file the officer is authorised for, or raise 403 (files are public)."""
    file = File.objects.filter(code=code).select_related("legal_basis").first()
    if file is None:
        raise NotFound(
            "Unbekannte Datei.", code="unknown_file", fields={"file": ["Unbekannte Datei."]}
        )
    if not authorised_files(actor).filter(pk=file.pk).exists():
        raise Forbidden(
            "Keine Berechtigung für diese Datei.",
            code="not_authorised",
            fields={"file": ["Keine Berechtigung für diese Datei."]},
        )
    return file


def _participation(actor: Any, file: File) -> Participation | None:
    return (
        Participation.objects.filter(file=file, agency_id=actor.agency_id)
        .select_related("legal_basis")
        .first()
    )


def may_enter(actor: Any, file: File, *, legal_basis: bool = True) -> tuple[bool, str]:
    """Return whether the officer's agency may enter into the file, and a refusal code.

    R-A3: the file and the participation each need a statute or published ordinance in
    force; an establishment order alone carries no entries. GWS: the order in force names
    the entering participants (R-A1, R-M1). ``legal_basis=False`` leaves out the two
    legal-basis checks and nothing else: only a legacy release of stock stored before the
    file had a basis (``verbund.services.releases``, ``release_from_state --legacy``).
    """
    if not _is_officer(actor):
        return False, "not_authorised"
    if legal_basis and not file.legal_basis.carries_entries():
        return False, "no_legal_basis"
    part = _participation(actor, file)
    if part is None:
        return False, "not_participant"
    if legal_basis and not part.legal_basis.carries_entries():
        return False, "no_legal_basis"
    order = current_order(file)
    if order is None:
        return False, "no_establishment_order"
    if not file.is_atd and actor.agency.code not in order.participants.get("enter", []):
        return False, "not_participant"
    return True, ""


def _may_retrieve_directly(actor: Any, file: File) -> bool:
    """GWS: participants the order authorises retrieve records directly (R-M7)."""
    if file.is_atd:
        return False
    order = current_order(file)
    return bool(order and actor.agency.code in order.participants.get("retrieve", []))


def no_records() -> QuerySet[Record]:
    """Return an empty record queryset (a view's schema is generated without a caller)."""
    return Record.objects.none()


def _granted(actor: Any) -> QuerySet[AccessRequest]:
    """Granted requests of the officer's agency for the extended data of a record (R-F1)."""
    return AccessRequest.objects.filter(
        record=OuterRef("pk"),
        requester_id=actor.agency_id,
        kind=RequestKind.EXTENDED_DATA,
        status=RequestStatus.GRANTED,
    )


def _emergency(actor: Any) -> QuerySet[EmergencyAccess]:
    """Eilfall accesses of the officer's agency whose consent is not refused (R-G3)."""
    return EmergencyAccess.objects.filter(
        record=OuterRef("pk"), requester_id=actor.agency_id
    ).exclude(consent=Consent.REFUSED)


def use_markings_for(actor: Any, record: Record) -> list[str]:
    """Return the use markings the record's data carry for a non-owner (R-C7, R-F2, R-G4).

    A grant adds the markings of its decision (at least "only to check the match and to
    prepare a transfer request", § 6(1) S. 1; a consented further use the § 6(3) marking);
    an Eilfall whose consent is not refused adds the Eilfall marking (§ 6(2)). The owner's
    own view carries none: its data are not a release. Order: as in ``USE_MARKINGS``.
    """
    if not _is_officer(actor) or record.owner_id == actor.agency_id:
        return []
    found: set[str] = set()
    for marks in AccessRequest.objects.filter(
        record=record, requester_id=actor.agency_id, status=RequestStatus.GRANTED
    ).values_list("use_markings", flat=True):
        found.update(marks or [USE_CHECK_ONLY])
    if (
        EmergencyAccess.objects.filter(record=record, requester_id=actor.agency_id)
        .exclude(consent=Consent.REFUSED)
        .exists()
    ):
        found.add(USE_EILFALL)
    return [m for m in USE_MARKINGS if m in found]


def in_use(*, via: str = "") -> Q:
    """Return the condition of a record other agencies may still be shown (R-L2, R-L3).

    Active (not blocked) and before its deletion date: a record whose deletion date is
    today or earlier is due for deletion (api.md "Lifecycle") and answers as if it were
    gone, whether or not the sweep has deleted it yet. Its owner still sees it (to block
    it, or to review it).
    """
    return _prefixed(via, status=RecordStatus.ACTIVE, deletion_date__gt=timezone.localdate())


def records_for(actor: Any, action: Action) -> QuerySet[Record]:
    """Return the records the officer may see or act on, as one SQL filter.

    view: own agency's records in authorised files (guardian ``view_record`` of the agency
    group); ATD records of another agency while the officer's agency holds a granted
    request for the extended data (R-F1) or an Eilfall whose consent is not refused
    (R-G3) — both ``Exists()`` in SQL; in GWS every record for authorised retrieving
    participants (R-M7). change/delete/block: only records whose owner group holds the
    permission (R-H1).
    """
    if not _is_officer(actor):
        return Record.objects.none()
    files = authorised_files(actor)
    perm = RecordGroupObjectPermission.objects.filter(
        content_object=OuterRef("pk"),
        group__name=f"agency:{actor.agency.code}",
        permission__codename=_PERM[action],
    )
    scope = Q(Exists(perm))
    if action == "view":
        # A blocked record is frozen (R-L3): a grant or an Eilfall no longer opens it; nor
        # does anything open a record whose deletion date has come (R-L2, R-L4a) — from
        # that day on it leaves every answer to other agencies, before the sweep runs.
        lawful = in_use()
        scope |= lawful & (Q(Exists(_granted(actor))) | Q(Exists(_emergency(actor))))
        direct = [f.pk for f in files if _may_retrieve_directly(actor, f)]
        if direct:
            scope |= lawful & Q(file_id__in=direct, storage=Storage.OPEN)
        # Access through a grant never reaches covert records (R-C8, R-D5).
        scope &= Q(owner_id=actor.agency_id) | ~Q(storage=Storage.COVERT)
    return Record.objects.filter(scope, file__in=files)


def visible_record_ids(actor: Any, ids: Any) -> set[uuid.UUID]:
    """Return which of the given record ids the officer may open now (one query).

    Objects about a record (a request, an Eilfall) name it only while the caller may open
    it: a record deleted, blocked or stored covert since then reads the same — no id —
    so nothing tells the caller which of these happened (R-D3, R-D5).
    """
    wanted = {i for i in ids if i}
    if not wanted:
        return set()
    return set(records_for(actor, "view").filter(pk__in=wanted).values_list("pk", flat=True))


def access_record(actor: Any, record_id: Any, action: Action) -> Record:
    """Return one record for the action, or raise 404 (unknown or not for you) / 403.

    403 only where the caller may lawfully see the record but not act on it; covert
    records answer 404 to everybody but the owner (api.md conventions).
    """
    try:
        pk = uuid.UUID(str(record_id))
    except ValueError:
        raise NotFound() from None
    visible = records_for(actor, "view").select_related("file", "owner").filter(pk=pk).first()
    if visible is None:
        raise NotFound()
    if action == "view":
        return visible
    if not records_for(actor, action).filter(pk=visible.pk).exists():
        raise Forbidden("Nur die eingebende Behörde darf dies.", code="not_owner")
    return visible


def _prefixed(via: str, **lookups: Any) -> Q:
    return Q(**{(f"{via}__{k}" if via else k): v for k, v in lookups.items()})


def searchable_filter(actor: Any, file: File, *, via: str = "") -> Q:
    """Return the condition of ``searchable_for`` for rows that reach a record via ``via``.

    ``via="record"`` filters key rows (``NameKey``, ``FeatureValue``) through a join on
    their record, evaluated per key row — never an ``IN (subquery)`` over the whole file,
    which SQLite materialises as soon as one key row matches: a cost that grew with the
    file and appeared only when a name was held somewhere (architecture "Timing is an
    oracle too"). The caller must have passed ``file_for_actor``.
    """
    if not _is_officer(actor):
        return Q(pk__in=[])
    # The owner finds its own active records, due ones included (it still acts on them);
    # another agency only records in use (R-L2, R-L3), never covert ones (R-D3).
    return _prefixed(via, file=file, status=RecordStatus.ACTIVE) & (
        _prefixed(via, owner_id=actor.agency_id)
        | (~_prefixed(via, storage=Storage.COVERT) & in_use(via=via))
    )


def covert_filter(actor: Any, file: File, *, via: str = "") -> Q:
    """Return the condition of ``covert_matches_for`` for rows reaching a record via ``via``."""
    if not _is_officer(actor):
        return Q(pk__in=[])
    # A covert record due for deletion no longer sets off a contact duty (R-L2).
    return (
        _prefixed(via, file=file, storage=Storage.COVERT)
        & in_use(via=via)
        & ~_prefixed(via, owner_id=actor.agency_id)
    )


def searchable_sql(*, file_id: Any, agency_id: Any, today: datetime.date) -> tuple[str, list[Any]]:
    """Return ``searchable_filter`` as SQL on a record aliased ``r`` (the search's fixed SQL).

    The same condition: active records of the file, the agency's own (due ones included)
    or another agency's in use (``deletion_date`` after ``today``) and not covert (R-D3,
    R-L2, R-L3). tests/verbund/search/test_fixed_sql.py checks both give the same rows.
    """
    sql = (
        "r.file_id = %s AND r.status = 'active' AND (r.owner_id = %s"
        " OR (r.storage <> 'covert' AND r.deletion_date > %s))"
    )
    return sql, [file_id, agency_id, today]


def covert_sql(*, file_id: Any, agency_id: Any, today: datetime.date) -> tuple[str, list[Any]]:
    """Return ``covert_filter`` as SQL on a record aliased ``r``: other agencies' covert
    records in use (a covert record due for deletion sets off no contact duty, R-L2)."""
    sql = (
        "r.file_id = %s AND r.storage = 'covert' AND r.status = 'active'"
        " AND r.deletion_date > %s AND r.owner_id <> %s"
    )
    return sql, [file_id, today, agency_id]


def searchable_for(actor: Any, file: File) -> QuerySet[Record]:
    """Return the records of a file a search by this officer may show as hits.

    Covert records of other agencies never appear (R-D3, R-D5); blocked records are not
    searchable (R-L3). The caller must have passed ``file_for_actor``.
    """
    if not _is_officer(actor):
        return Record.objects.none()
    return Record.objects.filter(searchable_filter(actor, file))


def covert_matches_for(actor: Any, file: File) -> QuerySet[Record]:
    """Return the covert records of other agencies: a match is reported to the owner only."""
    if not _is_officer(actor):
        return Record.objects.none()
    return Record.objects.filter(covert_filter(actor, file))


def agency_group(agency: Any) -> Group:
    """Return (creating once) the permission group that stands for an agency."""
    group, _created = Group.objects.get_or_create(name=f"agency:{agency.code}")
    return group
