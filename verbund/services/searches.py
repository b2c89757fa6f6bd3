"""Run searches, deliver covert-hit notices and record the owners' decisions (R-D3, R-E, R-I1).

A search is one single query (R-E5): validated, rate limited, matched through the indexes
against the records ``verbund.access`` lets the officer see, answered with hits shaped by
mode and storage, and logged in the same transaction (fail closed). Covert matches go only
into the owner-only column of that log row.

Covert existence shows neither in the answer nor in the next one (R-D3, R-D5; architecture
"Timing is an oracle too", "Lagged timing channels"). A search does the same work whatever
it matched: both match queries, one log row, one search row whose unset
``covert_delivered_at`` is its outbox entry — and it enqueues nothing. The beat task
``deliver_pending_covert_hits`` runs every ``VERBUND_COVERT_DELIVERY_SECONDS`` (10 s by
default: the owner gets the full query data automatically and promptly) and delivers every
undelivered search in fixed batches, oldest first. Its work happens on the clock, not after
a particular search, so no request can attribute it to the search before.

On PostgreSQL the search runs as fixed SQL (``verbund.search.sql``; issue 19): one
statement each for the context, the rate limit, the match with its records, the search
with its hits, and the log's two — the same statements for every search.

Lock order, the same in every transaction of this module and of ``verbund.services``: row
locks first, each ``select_for_update`` limited to the rows meant (``of=("self",)``, never
the agency, officer or file rows a join reaches, which every request's foreign-key checks
share-lock), and the audit chain's lock (its head row) last (``log_event`` after the last row
write). A task waiting for the chain lock then holds nothing a request needs.
"""

from __future__ import annotations

import datetime
import math
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from agencies.models import Officer
from audit.models import AuditEvent
from audit.services import log_event
from international.services.citations import Citation, citation_check, citation_write
from verbund.access.logging import log_ref
from verbund.access.records import (
    authorised_files,
    covert_filter,
    current_order,
    file_for_actor,
    may_use_files,
    searchable_filter,
    searchable_for,
)
from verbund.access.requests import GBA_PURPOSE, may_query_for_gba
from verbund.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited, Refused
from verbund.models import (
    CovertHit,
    File,
    Hit,
    InboxItem,
    Record,
    Search,
    SearchThrottle,
    Transfer,
)
from verbund.models.files import EstablishmentOrder
from verbund.models.inbox import InboxKind
from verbund.models.records import Storage
from verbund.models.requests import USE_GBA
from verbund.models.transfers import TransferBasis
from verbund.search import engine
from verbund.search import sql as search_sql
from verbund.services import shapes

MODES = ("name", "feature", "object")
# R-F4: how a query on behalf of the Federal Prosecutor General is recorded.
GBA_BODY = "GBA"
GBA_PROVISION = "§ 6 Abs. 4 ATDG"
GBA_TRANSFER_PURPOSE = "Strafverfolgung durch den Generalbundesanwalt"


# ---------------------------------------------------------------------------- helpers


def require_officer(actor: Any) -> None:
    """Refuse callers who may not use the officers' search paths (api.md conventions).

    Supervisors read through their own logged path (R-J6) and get 403 here, like any
    account without an agency.
    """
    if (
        actor is None
        or not getattr(actor, "is_authenticated", False)
        or getattr(actor, "role", "") == "supervisor"
        or not getattr(actor, "agency_id", None)
    ):
        raise Forbidden(
            "Dieser Zugang ist Bediensteten teilnehmender Behörden vorbehalten.",
            code="forbidden",
        )


def _text(value: Any, name: str) -> str:
    """Return a required short code or raise 400 ``required`` / ``invalid``."""
    if value is None or value == "":
        raise Invalid("Angabe fehlt.", code="required", fields={name: ["required"]})
    if not isinstance(value, str):
        raise Invalid("Text erwartet.", code="invalid", fields={name: ["invalid"]})
    if "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise Invalid("Unzulässige Zeichen.", code="invalid_characters", fields={name: ["invalid"]})
    return value


def _category(value: Any, name: str, choices: list[dict[str, Any]]) -> str:
    """R-E1: purpose and urgency are codes of the file's establishment order in force."""
    code = _text(value, name)
    if code not in {c.get("code") for c in choices}:
        detail = "Kein Wert der Errichtungsanordnung dieser Datei."
        raise Invalid(detail, code=f"invalid_{name}", fields={name: [detail]})
    return code


def _resolve_file(actor: Officer, file: Any) -> File:
    code = file.code if isinstance(file, File) else _text(file, "file")
    return file_for_actor(actor, code)


def _search_context(actor: Officer, file: Any) -> tuple[File, EstablishmentOrder]:
    """Return the file (403/404 as ``file_for_actor``) and its order in force (R-A4, R-A6).

    PostgreSQL: one statement (``verbund.search.sql.search_context``); SQLite: the ORM.
    """
    if not search_sql.enabled() or isinstance(file, File):
        file_obj = _resolve_file(actor, file)
        return file_obj, _order_for_search(actor, file_obj, current_order(file_obj))
    code = _text(file, "file")
    context = search_sql.search_context(
        officer_id=actor.pk, agency_id=actor.agency_id, code=code, today=timezone.localdate()
    )
    if context is None:
        detail = "Unbekannte Datei."
        raise NotFound(detail, code="unknown_file", fields={"file": [detail]})
    if not (context.authorised and may_use_files(actor)):
        detail = "Keine Berechtigung für diese Datei."
        raise Forbidden(detail, code="not_authorised", fields={"file": [detail]})
    return context.file, _order_for_search(actor, context.file, context.order)


def _order_for_search(
    actor: Officer, file: File, order: EstablishmentOrder | None
) -> EstablishmentOrder:
    if order is None:
        raise Refused("Keine wirksame Errichtungsanordnung.", code="no_establishment_order")
    if not file.is_atd and (
        actor.agency is None or actor.agency.code not in order.participants.get("retrieve", [])
    ):
        # GWS: only the participants the order names retrieve (R-A1, R-M7).
        raise Forbidden("Die Behörde ist zum Abruf nicht berechtigt.", code="not_participant")
    return order


def allowed_search_modes(file: File, order: EstablishmentOrder | None) -> tuple[str, ...]:
    """Return the search modes the file's order in force allows (R-A1, R-E, R-M7).

    The ATD knows every mode. Another file offers the modes its order's ``search_modes``
    lists (GWS: ``["name"]``: no feature search unless the order allows it); without a
    list, the name search only.
    """
    if file.is_atd:
        return MODES
    listed = order.search_modes if order is not None else []
    return tuple(m for m in MODES if m in listed) or ("name",)


def _throttle(actor: Officer, file: File, order: EstablishmentOrder) -> None:
    """Count the search in the officer's one-minute window, or raise 429 (R-E5).

    PostgreSQL: one upsert (``verbund.search.sql.throttle_count``); SQLite: the window row
    is created if missing (INSERT … ON CONFLICT DO NOTHING) and counted up with one
    conditional UPDATE. Either way concurrent searches never pass the limit together.
    """
    now = timezone.now()
    window = now.replace(second=0, microsecond=0)
    limit = max(1, math.floor(order.searches_per_minute * settings.VERBUND_RATE_LIMIT_FACTOR))
    if search_sql.enabled():
        counted = search_sql.throttle_count(
            officer_id=actor.pk, file_id=file.pk, window=window, limit=limit
        )
    else:
        SearchThrottle.objects.bulk_create(
            [SearchThrottle(officer=actor, file=file, window=window, count=0)],
            ignore_conflicts=True,
        )
        counted = bool(
            SearchThrottle.objects.filter(
                officer=actor, file=file, window=window, count__lt=limit
            ).update(count=F("count") + 1)
        )
    if not counted:
        retry = max(1, 60 - now.second)
        raise RateLimited(
            "Zu viele Abfragen; bitte später erneut versuchen.",
            code="rate_limited",
            headers={"Retry-After": str(retry)},
        )


def _covert_hit_ref(covert_hit: CovertHit, record: Record, **extra: Any) -> dict[str, Any]:
    """Return the owner/supervisor-only log reference of a covert hit (R-I5, R-J3)."""
    return {
        **log_ref(record),
        "covert_hit": str(covert_hit.pk),
        "search": str(covert_hit.search_id),
        **extra,
    }


# ---------------------------------------------------------------------------- search


def _present(
    hit: Hit, record: Record, shown: list[dict[str, Any]], logged: list[dict[str, Any]]
) -> None:
    """Append a hit as the caller sees it and as the access log keeps it."""
    shown.append(
        engine.shape_hit(hit_id=hit.id, kind=hit.kind, matched_in=hit.matched_in, record=record)
    )
    logged.append(
        engine.log_reference(hit_id=hit.id, kind=hit.kind, matched_in=hit.matched_in, record=record)
    )


def _gba_transfers(actor: Officer, agency_id: Any, hits: list[Hit]) -> list[Transfer]:
    """Record the hits shown as transferred to the Federal Prosecutor General (R-F4).

    ATDG § 6(4): data a BKA or LKA query on the GBA's behalf obtains go to the GBA for
    prosecution, usable there only for transfer requests. One transfer per hit shown, of
    exactly what the hit showed, carrying the record's markings and the GBA use marking
    (R-C7). Only shown hits: covert matches are never hits, so nothing here depends on them
    (architecture "Timing is an oracle too").
    """
    transfers = []
    for hit in hits:
        record = hit.record
        if hit.kind == "name" and hit.matched_in == "basic":
            items = ["basic", "reference"]
        elif hit.kind == "object":
            items = ["object", "reference"]
        else:
            items = ["reference"]
        transfers.append(
            Transfer(
                id=uuid.uuid4(),
                record=record,
                file_id=record.file_id,
                file_number=record.file_number,
                sender_id=agency_id,
                officer=actor,
                recipient_body=GBA_BODY,
                basis=TransferBasis.GBA,
                provision=GBA_PROVISION,
                purpose=GBA_TRANSFER_PURPOSE,
                items=items,
                markings=[*(record.markings or []), USE_GBA],
            )
        )
    Transfer.objects.bulk_create(transfers)
    return transfers


def _visible_hits(
    actor: Officer, file: File, order: EstablishmentOrder, parsed: engine.ParsedCriteria
) -> tuple[list[tuple[Record, engine.Match]], list[dict[str, Any]], bool]:
    """Match and return ``(visible records with their match, covert column, too many)``.

    PostgreSQL: the fixed SQL of ``verbund.search.sql`` (one statement, records included).
    SQLite: the ORM (``engine.run`` and the records through ``searchable_for``). Both give
    the same answer (tests/verbund/search/test_fixed_sql.py).
    """
    if search_sql.enabled():
        rows = search_sql.match(
            file=file,
            query=parsed.query,
            agency_id=actor.agency_id,
            today=timezone.localdate(),
            limit=order.hit_limit,
        )
        too_many = len(rows.visible) > order.hit_limit
        pairs = [] if too_many else rows.visible
        found = [(r, engine.to_match(parsed.query, r.pk, flag)) for r, flag in pairs]
        return sorted(found, key=lambda pair: engine.order_key(pair[0])), rows.covert, too_many
    outcome = engine.run(
        file_id=file.pk,
        query=parsed.query,
        visible=searchable_filter(actor, file, via="record"),
        covert=covert_filter(actor, file, via="record"),
        limit=order.hit_limit,
    )
    if outcome.too_many or not outcome.visible:
        return [], outcome.covert, outcome.too_many
    by_id = {m.record_id: m for m in outcome.visible}
    records = engine.sorted_records(
        searchable_for(actor, file).filter(pk__in=list(by_id)).select_related("owner")
    )
    return [(r, by_id[r.pk]) for r in records], outcome.covert, False


@transaction.atomic
def _search_transaction(
    *,
    actor: Officer,
    file: File,
    order: EstablishmentOrder,
    mode: str,
    purpose: str,
    urgency: str,
    parsed: engine.ParsedCriteria,
    citation: Citation | None = None,
) -> Search:
    """The search's one transaction: match, count, write the search and hits, log, commit.

    The same statements for every search whatever it finds (architecture "Timing is an
    oracle too"); on PostgreSQL six statements with BEGIN and COMMIT
    (tests/verbund/search/test_query_count.py pins the count).
    """
    agency_id = actor.agency_id
    if agency_id is None:  # require_officer() refused such accounts already
        raise Forbidden("Keine Behörde.", code="forbidden")
    found, covert, too_many = _visible_hits(actor, file, order, parsed)
    # The rate limit after the match, right before the writes: its window row stays locked
    # to the commit, so an officer's concurrent searches wait on it only for the writes,
    # not for the match. Over the limit the transaction rolls back: nothing is written.
    _throttle(actor, file, order)
    search = Search(
        id=uuid.uuid4(),
        file=file,
        agency_id=agency_id,
        officer=actor,
        mode=mode,
        purpose=purpose,
        urgency=urgency,
        criteria=parsed.shown,
        # R-E6: above the limit the answer gives no hits, only the instruction to narrow.
        refused="too_many_hits" if too_many else "",
        hit_count=0,
        created_at=timezone.now(),
    )
    shown: list[dict[str, Any]] = []
    logged: list[dict[str, Any]] = []
    hits: list[Hit] = []
    for position, (record, match) in enumerate(found):
        hit = Hit(
            id=uuid.uuid4(),
            search=search,
            record=record,
            position=position,
            matched_in=match.matched_in,
            kind=match.kind,
        )
        hits.append(hit)
        _present(hit, record, shown, logged)
    search.hit_count = len(hits)
    # The foreign keys were just resolved through the access layer and the id is fresh:
    # validating them again would cost four queries on every search.
    search.full_clean(exclude=["file", "agency", "officer"], validate_unique=False)
    if search_sql.enabled():
        search_sql.write_search(search, hits)
    else:
        search.save(force_insert=True)
        Hit.objects.bulk_create(hits)
    cited = citation_write(search=search, citation=citation) if citation else {}  # R-N1, R-N2
    gba = _gba_transfers(actor, agency_id, hits) if purpose == GBA_PURPOSE else []
    # R-I1/R-I4: one row per search, written in this transaction: officer, agency, file,
    # purpose, urgency, criteria as entered and as folded, every reference shown.
    # R-I5: covert matches only in the owner/supervisor-only column.
    log_event(
        actor=actor,
        action="search",
        object_type="search",
        object_id=str(search.pk),
        file=file.code,
        purpose=purpose,
        urgency=urgency,
        references=logged,
        covert=covert,
        details={
            "mode": mode,
            "criteria": parsed.shown,
            "keys": parsed.keys,
            **({"gba_transfers": [str(t.pk) for t in gba]} if gba else {}),
            **cited,
        },
        outcome=search.refused or "ok",
    )
    # R-D3: nothing is enqueued here. The search row, with ``covert_delivered_at`` unset,
    # is the outbox entry every search leaves alike; the beat sweeper delivers in fixed
    # batches, decoupled from any single search (module docstring).
    search.answer = engine.answer(search=search, hits=shown)  # type: ignore[attr-defined]
    return search


def search_run(
    *,
    actor: Officer,
    file: Any,
    mode: Any,
    purpose: Any,
    urgency: Any,
    criteria: Any,
    red_notice: Any = None,
    partner_request: Any = None,
) -> Search:
    """Run one single search and return it, its answer in ``search.answer``.

    Raises 400 for bad input (R-E1, R-E5), 403 for callers without authorisation, 429 over
    the rate limit, and 422 ``too_many_hits`` above the hit limit (R-E6) — the refused
    search is committed and logged first, and covert owners are still notified. A search
    may cite an accepted Red Notice or a partner request of the own agency (R-N1, R-N2;
    ``international.services.citations``: 422 ``notice_not_accepted``).
    """
    require_officer(actor)
    # Every field's JSON type is checked before any rule or lookup runs.
    shapes.check(
        shapes.SEARCH,
        {
            "file": file.code if isinstance(file, File) else file,
            "mode": mode,
            "purpose": purpose,
            "urgency": urgency,
            "criteria": criteria,
        },
    )
    file_obj, order = _search_context(actor, file)
    purpose_code = _category(purpose, "purpose", order.purposes)
    if purpose_code == GBA_PURPOSE and not may_query_for_gba(actor):
        # R-F4 (ATDG § 6(4)): only the BKA and the LKAs query on behalf of the GBA.
        detail = "Abfragen im Auftrag des Generalbundesanwalts nur durch BKA und LKÄ."
        raise Forbidden(detail, code="gba_not_allowed", fields={"purpose": [detail]})
    urgency_code = _category(urgency, "urgency", order.urgencies)
    mode_code = _text(mode, "mode")
    if mode_code not in MODES:
        raise Invalid(
            "Unbekannte Suchart.", code="invalid_mode", fields={"mode": ["Unbekannte Suchart."]}
        )
    if mode_code not in allowed_search_modes(file_obj, order):
        # R-A1, R-M7: the order fixes how a GWS file is searched (GWS: by name only; it
        # has no extended data and no objects).
        detail = "Diese Suchart lässt die Errichtungsanordnung der Datei nicht zu."
        raise Invalid(detail, code="invalid_mode", fields={"mode": [detail]})
    parsed = engine.PARSERS[mode_code](criteria)
    citation = citation_check(actor=actor, red_notice=red_notice, partner_request=partner_request)
    search = _search_transaction(
        actor=actor,
        file=file_obj,
        order=order,
        mode=mode_code,
        purpose=purpose_code,
        urgency=urgency_code,
        parsed=parsed,
        citation=citation,
    )
    if search.refused:
        raise Refused(
            f"Mehr als {order.hit_limit} Treffer: bitte die Abfrage eingrenzen.",
            code="too_many_hits",
        )
    return search


def search_show(*, actor: Officer, search_id: Any) -> dict[str, Any]:
    """Return a stored search of the caller's agency as answered, and log the showing.

    Hits are re-checked through ``searchable_for``: a record deleted (R-L5), blocked or
    made covert since is no longer shown, and the hit count counts what is shown.
    """
    from verbund.selectors.searches import search_get

    require_officer(actor)
    with transaction.atomic():
        search = search_get(actor=actor, search_id=search_id)
        hits = list(
            Hit.objects.filter(search=search)
            .filter(searchable_filter(actor, search.file, via="record"))
            .select_related("record__owner")
            .order_by("position")
        )
        shown: list[dict[str, Any]] = []
        logged: list[dict[str, Any]] = []
        for hit in hits:
            _present(hit, hit.record, shown, logged)
        # R-I1: every response showing references is logged.
        log_event(
            actor=actor,
            action="search.view",
            object_type="search",
            object_id=str(search.pk),
            file=search.file.code,
            purpose=search.purpose,
            urgency=search.urgency,
            references=logged,
            details={"mode": search.mode},
        )
    return engine.answer(search=search, hits=shown)


# ---------------------------------------------------------------------------- covert hits


def _contact_due() -> datetime.datetime:
    """R-D3/R-L6: contact "without delay" gets a configurable due time."""
    return timezone.now() + datetime.timedelta(hours=settings.VERBUND_COVERT_CONTACT_HOURS)


def _covert_query(search: Search) -> dict[str, Any]:
    """Return the full query data of a search as its covert owners receive them (R-D3)."""
    return {
        "search": str(search.pk),
        "file": search.file.code,
        "mode": search.mode,
        "criteria": search.criteria,
        "purpose": search.purpose,
        "urgency": search.urgency,
        "officer": search.officer.username,
        "agency": search.agency.code,
        "time": search.created_at.isoformat(),
        "outcome": search.refused or "ok",
    }


def _deliver_batch(*, size: int, only: uuid.UUID | None = None) -> tuple[int, int]:
    """Deliver one batch of undelivered searches; return ``(notices created, searches done)``.

    One short transaction, locks in the documented order (module docstring): the search
    rows alone (``FOR UPDATE OF`` the search table, ``SKIP LOCKED`` so two sweepers never
    wait on each other), then the inserts, and the audit chain's lock last.
    """
    with transaction.atomic():
        pending = Search.objects.select_for_update(of=("self",), skip_locked=True).filter(
            covert_delivered_at__isnull=True
        )
        if only is not None:
            pending = pending.filter(pk=only)
        searches = list(
            pending.select_related("file", "agency", "officer").order_by("created_at")[:size]
        )
        if not searches:
            return 0, 0
        by_id = {str(s.pk): s for s in searches}
        now = timezone.now()
        Search.objects.filter(pk__in=[s.pk for s in searches]).update(covert_delivered_at=now)
        columns = AuditEvent.objects.filter(
            object_type="search", object_id__in=list(by_id), action="search"
        ).values_list("object_id", "covert")
        wanted = [
            (by_id[object_id], uuid.UUID(entry["record"]))
            for object_id, covert in columns
            for entry in covert or []
        ]
        if not wanted:
            return 0, len(searches)
        # Re-check when running: the record still exists, is still covert, is in the
        # search's file and belongs to another agency. The searching officer's later
        # deactivation does not cancel the owner's notice, so this does not go through the
        # officer's access scope.
        records = Record.objects.filter(
            pk__in={rid for _, rid in wanted}, storage=Storage.COVERT
        ).select_related("owner", "file")
        record_by_id = {r.pk: r for r in records}
        done = set(
            CovertHit.objects.filter(search__in=searches).values_list("search_id", "record_id")
        )
        due = _contact_due()
        covert_hits: list[CovertHit] = []
        items: list[InboxItem] = []
        for search, rid in wanted:
            record = record_by_id.get(rid)
            if (
                record is None
                or record.file_id != search.file_id
                or record.owner_id == search.agency_id
                or (search.pk, rid) in done
            ):
                continue
            done.add((search.pk, rid))
            query = _covert_query(search)
            covert_hit = CovertHit(
                id=uuid.uuid4(),
                search=search,
                record=record,
                owner=record.owner,
                query=query,
                due_at=due,
            )
            covert_hits.append(covert_hit)
            items.append(
                InboxItem(
                    agency=record.owner,
                    file=record.file,
                    kind=InboxKind.COVERT_HIT,
                    record=record,
                    subject_id=covert_hit.pk,
                    payload={
                        **query,
                        "covert_hit": str(covert_hit.pk),
                        "record": str(record.pk),
                        "file_number": record.file_number,
                    },
                    due_at=due,
                )
            )
        CovertHit.objects.bulk_create(covert_hits)
        InboxItem.objects.bulk_create(items)
        # The chain lock last (lock order): every row this transaction writes is written.
        for covert_hit in covert_hits:
            # R-I5: about a covert record, so only in the owner/supervisor-only column.
            log_event(
                actor=None,
                agency=covert_hit.owner,
                action="covert_hit.deliver",
                file=covert_hit.record.file.code,
                covert=[_covert_hit_ref(covert_hit, covert_hit.record)],
            )
    return len(covert_hits), len(searches)


def covert_hits_deliver(*, search_id: Any) -> int:
    """Deliver the covert notices of one search now (the sweeper's work for one search).

    Operators and tests use it; the application itself delivers only through
    ``covert_hits_deliver_pending``. Idempotent: a search already delivered, or unknown,
    creates nothing. Return the number of notices created.
    """
    try:
        pk = uuid.UUID(str(search_id))
    except ValueError:
        return 0
    created, _ = _deliver_batch(size=1, only=pk)
    return created


def covert_hits_deliver_pending(*, batch: int | None = None, max_batches: int = 50) -> int:
    """Deliver the covert notices of every search not yet delivered (R-D3; the beat task).

    Runs every ``VERBUND_COVERT_DELIVERY_SECONDS`` whatever happened, in batches of
    ``VERBUND_COVERT_DELIVERY_BATCH`` searches, oldest first, so its timing does not depend
    on any single search; nothing accepted is lost however long the worker was down (the
    next run picks up every undelivered search). Safe to run any number of times, also
    concurrently. Also prunes throttle windows older than an hour. Return the number of
    notices created.
    """
    size = batch or settings.VERBUND_COVERT_DELIVERY_BATCH
    created = 0
    for _ in range(max_batches):
        made, handled = _deliver_batch(size=size)
        created += made
        if handled < size:
            break
    SearchThrottle.objects.filter(window__lt=timezone.now() - datetime.timedelta(hours=1)).delete()
    return created


def covert_hits_remind(*, now: datetime.datetime | None = None) -> int:
    """Remind owners of covert hits whose "without delay" contact decision is overdue.

    R-D3 / R-L6: the owner must contact the requester without delay; an overdue item is
    marked in the owner's inbox (visible to its officers and head) and logged in the
    owner/supervisor-only column. Each hit is reminded once; running again does nothing.
    """
    moment = now or timezone.now()
    with transaction.atomic():
        # Lock order (module docstring): the covert-hit rows alone, then their inbox items,
        # then the chain lock once every row is written.
        overdue = list(
            CovertHit.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(decided_at__isnull=True, reminded_at__isnull=True, due_at__lt=moment)
            .select_related("record__file", "record__owner", "owner")
            .order_by("due_at")
        )
        if not overdue:
            return 0
        CovertHit.objects.filter(pk__in=[c.pk for c in overdue]).update(reminded_at=moment)
        items = list(
            InboxItem.objects.select_for_update(of=("self",)).filter(
                kind=InboxKind.COVERT_HIT, subject_id__in=[c.pk for c in overdue]
            )
        )
        for item in items:
            item.payload = {**item.payload, "overdue": True, "reminded_at": moment.isoformat()}
        InboxItem.objects.bulk_update(items, ["payload"])
        for covert_hit in overdue:
            log_event(
                actor=None,
                agency=covert_hit.owner,
                action="covert_hit.reminder",
                file=covert_hit.record.file.code,
                covert=[
                    _covert_hit_ref(
                        covert_hit, covert_hit.record, due_at=covert_hit.due_at.isoformat()
                    )
                ],
            )
    return len(overdue)


def covert_hit_decide(
    *, actor: Officer, covert_hit_id: Any, contact: Any, reasons: Any
) -> CovertHit:
    """Record the owner's decision on a covert hit: contact, or secrecy outweighs (R-D3).

    Only officers of the owner agency authorised for the file may decide; anybody else
    gets 404, as if the notice did not exist.
    """
    require_officer(actor)
    try:
        pk = uuid.UUID(str(covert_hit_id))
    except ValueError:
        raise NotFound() from None
    shapes.check(shapes.COVERT_HIT_DECISION, {"contact": contact, "reasons": reasons})
    # Wrong JSON types (contact "yes", 1; reasons not text) are 400 ``invalid`` above;
    # a missing decision is ``required``.
    if contact is None:
        detail = "Entscheidung angeben: Kontakt ja oder nein (true/false)."
        raise Invalid(detail, code="required", fields={"contact": [detail]})
    text = _text(reasons.strip() if isinstance(reasons, str) else reasons, "reasons")
    if len(text) > 4000:
        detail = "Höchstens 4.000 Zeichen."
        raise Invalid(detail, code="too_long", fields={"reasons": [detail]})
    with transaction.atomic():
        covert_hit = (
            CovertHit.objects.select_for_update(of=("self",))
            .filter(
                pk=pk,
                owner_id=actor.agency_id,
                record__file__in=authorised_files(actor),
            )
            .select_related("record__file", "record__owner", "owner")
            .first()
        )
        if covert_hit is None:
            raise NotFound()
        if covert_hit.decided_at is not None:
            raise Conflict("Über diesen Treffer ist bereits entschieden.", code="already_decided")
        now = timezone.now()
        covert_hit.contact = contact
        covert_hit.reasons = text
        covert_hit.decided_by = actor
        covert_hit.decided_at = now
        covert_hit.save(update_fields=["contact", "reasons", "decided_by", "decided_at"])
        InboxItem.objects.filter(kind=InboxKind.COVERT_HIT, subject_id=covert_hit.pk).update(
            done_at=now
        )
        record = covert_hit.record
        # R-D3: the reasons are documented; R-I5: about a covert record, owner-only column.
        log_event(
            actor=actor,
            action="covert_hit.decide",
            file=record.file.code,
            covert=[_covert_hit_ref(covert_hit, record, contact=contact, reasons=text)],
        )
    return covert_hit


# ---------------------------------------------------------------------------- inbox


def inbox_log_view(*, actor: Officer, items: list[InboxItem]) -> None:
    """Log a page of the inbox shown to an officer (R-I1).

    Items about covert records go to the owner/supervisor-only column (R-I5).
    """
    covert: list[dict[str, Any]] = []
    references: list[dict[str, Any]] = []
    for item in items:
        entry = {"inbox_item": str(item.pk), "kind": item.kind}
        if item.record_id:
            entry["record"] = str(item.record_id)
        (covert if item.kind == InboxKind.COVERT_HIT else references).append(entry)
    log_event(
        actor=actor,
        action="inbox.view",
        object_type="inbox",
        references=references,
        covert=covert,
    )
