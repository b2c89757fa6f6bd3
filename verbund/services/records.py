"""Write records: create, change, block, delete — atomic, audited, owner-only (R-H1)."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from agencies.models import Agency, Officer
from audit.services import log_event
from international.services.citations import (
    entry_source_check,
    entry_source_split,
    entry_source_write,
)
from verbund.access.logging import log_record, log_ref
from verbund.access.records import (
    access_record,
    agency_group,
    authorised_files,
    file_for_actor,
    may_enter,
    records_for,
)
from verbund.access.requests import record_seen_in_hit
from verbund.errors import Conflict, Forbidden, Invalid, NotFound, Refused, VersionConflict
from verbund.models import AccessRequest, FeatureValue, InboxItem, NameKey, Record
from verbund.models.inbox import CorrectionOutcome, InboxKind
from verbund.models.lifecycle import DeletionGround, ReviewCause
from verbund.models.records import NameSource, RecordKind, RecordStatus
from verbund.models.requests import RequestStatus
from verbund.search.keys import FIELD_KEYS, NAME, object_key, stored_key
from verbund.search.normalise import FOLDING_VERSION
from verbund.services import shapes
from verbund.services.date_rules import dates_settled
from verbund.services.record_rules import (
    RaiseAtOnce,
    RecordInput,
    birth_range,
    check_record_types,
    clean_text,
    validate_record_input,
)
from verbund.services.searches import require_officer

OWNER_PERMS = ("view_record", "change_record", "delete_record", "block_record")


def snapshot(record: Record) -> dict[str, Any]:
    """Return the full content of a record for the change log (R-I1, Rn. 215)."""
    return {
        "kind": record.kind,
        "case_group": record.case_group,
        "storage": record.storage,
        "storage_decided_by": str(record.storage_decided_by_id or ""),
        "storage_reasons": record.storage_reasons,
        "markings": record.markings,
        "findings_basis": record.findings_basis,
        "basic": record.basic,
        "extended": record.extended,
        "withheld": record.withheld,
        "object": record.object_data,
        "incident": record.incident,
        "linked_person": str(record.linked_person_id or ""),
        "file_number": record.file_number,
        "classification": record.classification,
        "review_date": record.review_date.isoformat(),
        "deletion_date": record.deletion_date.isoformat(),
        "status": record.status,
    }


def _log_record(actor: Officer, action: str, record: Record, details: dict[str, Any]) -> None:
    log_record(actor=actor, action=action, record=record, details=details)


def _birth_key(born: Any) -> tuple[datetime.date | None, str]:
    """Return the stored birth date's first day and precision (``d``, ``m``, ``y``)."""
    if not born:
        return None, "d"
    try:
        first, _last, precision = birth_range(str(born))
    except ValueError:
        return None, "d"
    return first, precision


def _write_keys(record: Record) -> None:
    """(Re)write the indexed search keys of a record (names, features, object ids)."""
    write_keys_many([record])


def write_keys_many(records: list[Record], *, force_version: bool = False) -> None:
    """(Re)write the search keys of several records with one statement per table.

    Used by every record write (one record) and by ``rebuild_search_keys`` (a batch): two
    deletes, two bulk inserts and one version update per call, whatever the batch size.
    ``force_version`` writes ``keys_version`` even where the instance already says current.
    """
    if not records:
        return
    ids = [record.pk for record in records]
    NameKey.objects.filter(record_id__in=ids).delete()
    FeatureValue.objects.filter(record_id__in=ids).delete()
    names: list[NameKey] = []
    features: list[FeatureValue] = []
    for record in records:
        record_names, record_features = _keys_of(record)
        names += record_names
        features += record_features
    NameKey.objects.bulk_create(names)
    FeatureValue.objects.bulk_create(features)
    stale = [r.pk for r in records if force_version or r.keys_version != FOLDING_VERSION]
    if stale:
        Record.objects.filter(pk__in=stale).update(keys_version=FOLDING_VERSION)
    for record in records:
        record.keys_version = FOLDING_VERSION


def _keys_of(record: Record) -> tuple[list[NameKey], list[FeatureValue]]:
    """Return the search-key rows of one record, not yet saved."""
    names: list[NameKey] = []
    features: list[FeatureValue] = []
    basic, ext = record.basic, record.extended
    if record.is_person:
        # Current and former nationalities both count (R-E2, api.md "Searches").
        nationalities = basic.get("nationalities", []) + [
            code
            for code in basic.get("former_nationalities", [])
            if code not in basic.get("nationalities", [])
        ]
        nats = "|" + "|".join(nationalities) + "|"
        given = stored_key(NAME, basic.get("given_names", ""))
        dob = basic.get("date_of_birth")

        def add(surname: str, given_key: str, source: str, born: Any, nat: str) -> None:
            key = stored_key(NAME, surname)
            first, precision = _birth_key(born)
            if key:
                names.append(
                    NameKey(
                        record=record,
                        file_id=record.file_id,
                        source=source,
                        surname_key=key,
                        given_key=given_key,
                        date_of_birth=first,
                        born_precision=precision,
                        nationalities=nat[:120],
                    )
                )

        add(basic.get("surname", ""), given, NameSource.BASIC, dob, nats)
        for variant in (
            basic.get("spellings", [])
            + basic.get("former_names", [])
            + basic.get("other_names", [])
        ):
            add(variant, given, NameSource.BASIC, dob, nats)
        for alias in basic.get("aliases", []):
            add(alias, "", NameSource.BASIC, dob, nats)
        # R-B2 / R-E3: contact persons are matched covertly, as extended-data names.
        for cp in ext.get("contact_persons", []):
            cp_given = stored_key(NAME, cp.get("given_names", ""))
            cp_nat = f"|{cp['nationality']}|" if cp.get("nationality") else "||"
            for variant in (
                [cp.get("surname", "")]
                + cp.get("spellings", [])
                + cp.get("former_names", [])
                + cp.get("other_names", [])
            ):
                add(variant, cp_given, NameSource.EXTENDED, cp.get("date_of_birth"), cp_nat)
            for alias in cp.get("aliases", []):
                add(alias, "", NameSource.EXTENDED, cp.get("date_of_birth"), cp_nat)
        for field, field_key in FIELD_KEYS.items():
            value = ext.get(field)
            values = value if isinstance(value, list) else ([value] if value else [])
            for item in values:
                key = stored_key(field_key, item)
                if key:
                    features.append(
                        FeatureValue(
                            record=record,
                            file_id=record.file_id,
                            field=field,
                            value_key=key,
                        )
                    )
    else:
        identifier = record.object_data.get("identifier", "")
        key = stored_key(object_key(record.kind), identifier)
        if key:
            features.append(
                FeatureValue(
                    record=record,
                    file_id=record.file_id,
                    field=f"object:{record.kind}",
                    value_key=key,
                )
            )
    return names, features


def _check_linked_person(actor: Officer, clean: RecordInput) -> Record | None:
    """R-B4: an object is linked to a person record of case group 1 or 2 the owner holds."""
    if clean.linked_person_id is None:
        return None
    person = (
        records_for(actor, "change")
        .filter(kind=RecordKind.PERSON, file=clean.file)
        .exclude(case_group="")
        .filter(pk=clean.linked_person_id)
        .first()
        if _is_uuid(clean.linked_person_id)
        else None
    )
    if person is None:
        raise Invalid(
            "Verknüpfte Person nicht gefunden.",
            code="linked_person_invalid",
            fields={"linked_person": ["Eigener Personendatensatz der Fallgruppen 1 oder 2."]},
        )
    return person


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _apply(record: Record, clean: RecordInput) -> None:
    record.kind = clean.kind
    record.case_group = clean.case_group
    record.storage = clean.storage
    record.storage_decided_by = clean.decided_by
    record.storage_reasons = clean.storage_reasons
    record.markings = clean.markings
    record.findings_basis = clean.findings_basis
    record.basic = clean.basic
    record.extended = clean.extended
    record.withheld = clean.withheld
    record.object_data = clean.object_data
    record.incident = clean.incident
    record.file_number = clean.file_number
    record.classification = clean.classification
    record.review_date = clean.review_date
    record.deletion_date = clean.deletion_date
    if clean.dates is not None:
        # R-L4a: where the dates come from (verbund.services.date_rules).
        record.dates_source = clean.dates.source
        record.dates_rule = clean.dates.rule
        record.dates_order = clean.dates.order


def record_create(
    *,
    actor: Officer,
    data: dict[str, Any],
    source: tuple[str, str] | None = None,
    legacy: bool = False,
) -> Record:
    """Enter a record for the officer's agency; the storage mode is set in this transaction.

    ``source`` (state system code, reference in it) and ``legacy`` are set only by a release
    from a state system (``verbund.services.releases``, R-M1): the record keeps where it came
    from, and ``legacy`` (stock stored before the file had a legal basis) leaves out the
    legal-basis gate and nothing else. A second record of the same source reference fails on
    the constraint ``record_one_release_per_source`` (IntegrityError; the release reports it).
    """
    if not isinstance(data, dict):
        raise Invalid("JSON-Objekt erwartet.", code="invalid")
    # Every field's JSON type is checked before any rule (or lookup) runs.
    check_record_types(data)
    # R-N2 (issue 20, intlrn): an accepted Red Notice may be the entry's source.
    data, notice_id = entry_source_split(data)
    code = data.get("file")
    if not isinstance(code, str):
        raise Invalid("Datei angeben.", code="required", fields={"file": ["Datei angeben."]})
    # A NUL byte would reach the file lookup and fail in PostgreSQL (400, not 500).
    code = clean_text(code, "file", RaiseAtOnce()) or ""
    file = file_for_actor(actor, code)
    allowed, reason = may_enter(actor, file, legal_basis=not legacy)
    if not allowed:
        if reason == "no_legal_basis":
            raise Refused(
                "Für diese Datei oder Teilnahme fehlt eine gesetzliche Grundlage oder "
                "Rechtsverordnung; eine Errichtungsanordnung allein genügt nicht.",
                code="no_legal_basis",
            )
        if reason == "no_establishment_order":
            raise Refused("Keine wirksame Errichtungsanordnung.", code=reason)
        # R-A1, R-M1: an agency the order does not let enter is refused (403), as in the
        # issue's "Bad input"; only a missing legal basis is 422.
        raise Forbidden("Die Behörde ist zur Eingabe nicht berechtigt.", code=reason)
    clean = validate_record_input(actor=actor, file=file, data=data)
    notice = entry_source_check(notice_id)
    with transaction.atomic():
        linked = _check_linked_person(actor, clean)
        record = Record(file=file, owner=actor.agency, created_by=actor, linked_person=linked)
        _apply(record, clean)
        if source is not None:
            record.source_system, record.source_reference = source
            record.legacy = legacy
        record.full_clean()
        record.save(force_insert=True)
        entry_source_write(record=record, notice=notice)
        group = agency_group(actor.agency)
        for perm in OWNER_PERMS:
            assign_perm(perm, group, record)
        _write_keys(record)
        dates_settled(record=record, worked=clean.dates, actor=actor)
        details: dict[str, Any] = {"after": snapshot(record)}
        if source is not None:
            details["source"] = {
                "system": record.source_system,
                "reference": record.source_reference,
                "legacy": record.legacy,
            }
        if notice is not None:
            details["red_notice"] = {"id": str(notice.pk), "reference": str(notice)}
        _log_record(actor, "record.create", record, details)
        # Re-check scope inside the transaction (architecture rule 4).
        if not records_for(actor, "change").filter(pk=record.pk).exists():
            raise RuntimeError("created record is outside the creator's scope")
    return record


# Deepest nesting a merge patch may have (a record body has at most 5 levels).
MERGE_MAX_DEPTH = 20


def merge_patch(target: Any, patch: Any, *, depth: int = 0) -> Any:
    """Return ``target`` with ``patch`` applied as a JSON Merge Patch (RFC 7396).

    Objects merge key by key, recursively; a key set to ``null`` is removed; keys absent
    from the patch stay; anything that is not an object (text, numbers, arrays) replaces
    the old value whole. Neither argument is changed.
    """
    if not isinstance(patch, dict):
        return patch
    if depth > MERGE_MAX_DEPTH:
        raise Invalid("Zu tief verschachtelt.", code="invalid_json")
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value, depth=depth + 1)
    return result


def _lock(record: Record) -> Record:
    """Lock the record's own row (never joined rows: architecture "Lock order") and reload."""
    return (
        Record.objects.select_for_update(of=("self",))
        .select_related("file", "owner", "storage_decided_by")
        .get(pk=record.pk)
    )


def _check_version(record: Record, if_match: Collection[int] | None) -> None:
    """Raise 412 unless the caller's version is the current one (``None``: no condition)."""
    if if_match is not None and record.version not in if_match:
        raise VersionConflict(record.version)


def _refuse_blocked(record: Record) -> None:
    """R-L3: blocked data are frozen; only the owner's delete still acts on them."""
    if record.status == RecordStatus.BLOCKED:
        raise Conflict(
            "Der Datensatz ist gesperrt und kann nicht geändert werden.",
            code="record_blocked",
        )


def record_update(
    *,
    actor: Officer,
    record_id: Any,
    data: dict[str, Any],
    if_match: Collection[int] | None = None,
) -> Record:
    """Apply a JSON Merge Patch (RFC 7396) to a record (owner only, R-H1).

    ``basic``, ``extended``, ``reference`` and ``storage_decision`` merge key by key, a
    ``null`` removes a key, absent keys stay, arrays replace. The merged record is validated
    like a create. ``if_match`` holds the versions the caller's change was made on (its
    ``If-Match``); under the row lock a different current version answers 412, so of two
    concurrent changes made on the same version exactly one is applied. A blocked record
    refuses every change (409 ``record_blocked``, R-L3). Each applied change bumps the
    version; a patch that changes nothing writes nothing and keeps it.
    """
    if not isinstance(data, dict):
        raise Invalid("JSON-Objekt erwartet.", code="invalid")
    check_record_types(data)
    with transaction.atomic():
        record = _lock(access_record(actor, record_id, "change"))
        _refuse_blocked(record)
        _check_version(record, if_match)
        before = snapshot(record)
        unchanged = _canonical(before)
        if "file" in data and data["file"] != record.file.code:
            raise Invalid(
                "Die Datei kann nicht geändert werden.",
                code="immutable",
                fields={"file": ["Die Datei kann nicht geändert werden."]},
            )
        if "kind" in data and data["kind"] != record.kind:
            raise Invalid(
                "Die Art kann nicht geändert werden.",
                code="immutable",
                fields={"kind": ["Die Art kann nicht geändert werden."]},
            )
        merged = _merge(record, data)
        clean = validate_record_input(
            actor=actor,
            file=record.file,
            data=merged,
            record=record,
            patch=data,
        )
        if (
            _is_uuid(str(clean.linked_person_id or ""))
            and str(record.linked_person_id) != clean.linked_person_id
        ):
            record.linked_person = _check_linked_person(actor, clean)
        _apply(record, clean)
        after = snapshot(record)
        if _canonical(after) == unchanged:
            # A patch that changes nothing (RFC 7396 allows it: ``{}``, or the values held)
            # writes nothing and keeps the version, so other editors' If-Match stays valid.
            # The answer still shows the record: logged (R-I1), marked unchanged.
            details = {"before": before, "after": after, "unchanged": True}
            _log_record(actor, "record.update", record, details)
            return record
        record.version += 1
        record.full_clean()
        record.save()
        _write_keys(record)
        dates_settled(record=record, worked=clean.dates, actor=actor)
        _log_record(actor, "record.update", record, {"before": before, "after": after})
    return record


def _canonical(content: dict[str, Any]) -> str:
    """Return a record snapshot as canonical JSON, to compare content before and after."""
    return json.dumps(content, sort_keys=True, default=str)


def _merge(record: Record, data: dict[str, Any]) -> dict[str, Any]:
    """Return the full input a merge patch results in; a storage change needs a new decision."""
    merged: dict[str, Any] = {
        "file": record.file.code,
        "kind": record.kind,
        "case_group": record.case_group,
        "storage": record.storage,
        "markings": record.markings,
        "findings_basis": record.findings_basis,
        "basic": record.basic,
        "extended": record.extended,
        "review_date": record.review_date.isoformat(),
        "deletion_date": record.deletion_date.isoformat(),
        "reference": {
            "file_number": record.file_number,
            "classification": record.classification,
        },
    }
    if record.storage == "restricted":
        merged["withheld"] = record.withheld
    if record.incident:
        merged["incident"] = record.incident
    if not record.is_person:
        merged["object"] = record.object_data
        merged["linked_person"] = str(record.linked_person_id) if record.linked_person_id else None
    if record.storage != "open" and record.storage_decided_by is not None:
        merged["storage_decision"] = {
            "decided_by": record.storage_decided_by.username,
            "reasons": record.storage_reasons,
        }
    if "storage" in data and data["storage"] != record.storage:
        # R-D4: a new storage mode needs a decision of its own, never the old one.
        merged.pop("storage_decision", None)
        if data.get("storage") != "restricted":
            merged.pop("withheld", None)
    result: dict[str, Any] = merge_patch(merged, data)
    return result


def record_block(
    *, actor: Officer, record_id: Any, reason: Any, if_match: Collection[int] | None = None
) -> Record:
    """Block a record instead of deleting it (R-L3); owner only, under the row lock."""
    shapes.check(shapes.BLOCK, {"reason": reason})
    with transaction.atomic():
        record = _lock(access_record(actor, record_id, "block"))
        text = clean_text(reason, "reason", RaiseAtOnce()) if reason else ""
        if not text:
            raise Invalid(
                "Grund der Sperrung angeben.",
                code="required",
                fields={"reason": ["Grund der Sperrung angeben."]},
            )
        if record.status == RecordStatus.BLOCKED:
            raise Conflict("Der Datensatz ist bereits gesperrt.", code="already_blocked")
        _check_version(record, if_match)
        before = snapshot(record)
        record.status = RecordStatus.BLOCKED
        record.blocked_reason = text
        record.blocked_at = timezone.now()
        record.version += 1
        record.save(
            update_fields=["status", "blocked_reason", "blocked_at", "version", "updated_at"]
        )
        # R-I1: a block changes the data stock; the change log keeps before and after.
        details = {"before": before, "after": snapshot(record), "reason": text}
        _log_record(actor, "record.block", record, details)
    return record


def record_delete(
    *,
    actor: Officer,
    record_id: Any,
    reason: Any = "",
    ground: Any = DeletionGround.NOT_NECESSARY,
    if_match: Collection[int] | None = None,
) -> None:
    """Delete a record with its keys, hits, covert-hit data and pending items (R-L5).

    The change log and recorded decisions stay (they follow the 18-month rule, R-I3).
    ``ground`` is the legal reason kept in the tombstone (``DeletionGround``; R-L2).
    ``if_match`` as for changes. A blocked record is 409 ``record_blocked`` here: blocking
    replaced its deletion (R-L3), so it is deleted only through a review decision
    ``deleted`` whose reasons say why that interest has lapsed
    (``verbund.services.reviews.review_decide``).
    """
    shapes.check(shapes.DELETE, {"reason": reason})
    if ground not in DeletionGround.values:
        detail = "Unbekannter Löschgrund."
        raise Invalid(detail, code="invalid_choice", fields={"ground": [detail]})
    with transaction.atomic():
        record = _lock(access_record(actor, record_id, "delete"))
        if record.status == RecordStatus.BLOCKED:
            raise Conflict(
                "Der Datensatz ist gesperrt: Die Sperrung ersetzt die Löschung. Gelöscht wird "
                "er nur durch eine Prüfentscheidung, die begründet, warum das Interesse an "
                "der Sperrung entfallen ist.",
                code="record_blocked",
            )
        _check_version(record, if_match)
        # The reason goes into the log's JSON: no NUL bytes there (400, not 500).
        reason = (clean_text(reason, "reason", RaiseAtOnce(), max_len=4000) or "") if reason else ""
        record_erase(record=record, actor=actor, reason=reason, ground=ground)


def record_erase(*, record: Record, actor: Officer | None, reason: str, ground: str) -> None:
    """Erase a locked record for its owner or for the deadline sweep (R-L2, R-L5).

    The caller holds the record's row lock in the current transaction and has checked
    that it may delete (the owner, R-H1; or the sweep on the deletion date, R-L4a). Goes
    with the record: its data, search keys, hits (hit ids then answer 404), covert-hit
    query data and their documentation (ATDG §4(2)), pending requests, inbox items about
    it, linked object records. Stays: the log rows and the recorded decisions (storage
    decision in the log, grants, Eilfall decisions and consents, transfers — their record
    reference is set null, the file number kept). Each log row carries a tombstone
    ``{"record", "owner", "file", "deleted_on", "ground"}``. ``actor`` ``None`` is the
    sweep: the owner is named as the responsible agency.
    """
    if ground == DeletionGround.DELETION_DATE and record.deletion_date > timezone.localdate():
        # The tombstone must tell the truth: this ground only once the date has come.
        detail = "Die Löschfrist ist noch nicht erreicht; einen anderen Löschgrund angeben."
        raise Invalid(detail, code="ground_not_applicable", fields={"ground": [detail]})
    today = timezone.localdate().isoformat()
    logged = [(record, {"before": snapshot(record), "reason": reason})]
    # R-I1: object records linked to the person go with it (CASCADE); log each of them.
    for linked in record.objects_linked.select_related("file", "owner"):
        details = {"before": snapshot(linked), "reason": reason, "with": str(record.pk)}
        logged.append((linked, details))
    pk = record.pk
    # R-L5: pending requests for its extended data go with the record (their inbox
    # items cascade); decided ones stay as the record of the decision (record unset).
    AccessRequest.objects.filter(
        record__in=[record, *(r for r, _ in logged[1:])], status=RequestStatus.PENDING
    ).delete()
    record.delete()
    record.pk = pk  # Django clears it; the log row names the deleted record.
    # Lock order (verbund.services.searches): the chain lock after the last row write.
    for gone, details in logged:
        details["tombstone"] = {
            "record": str(gone.pk),
            "owner": gone.owner.code,
            "file": gone.file.code,
            "deleted_on": today,
            "ground": ground,
        }
        log_record(
            actor=actor,
            action="record.delete",
            record=gone,
            details=details,
            agency=None if actor is not None else gone.owner,
        )


def correction_notice_create(*, actor: Officer, record_id: Any, text: Any) -> InboxItem:
    """Notify the owner of indications of inaccuracy (R-H2), into its inbox.

    Any agency that lawfully saw the record may: one that may open it (a grant, an Eilfall,
    GWS retrieval) or one whose hit showed it (a basic-data name hit, an object hit). Any
    other record, covert ones of other agencies included, is 404 ``not_found``.
    """
    shapes.check(shapes.CORRECTION_NOTICE, {"text": text})
    with transaction.atomic():
        try:
            record = access_record(actor, record_id, "view")
        except NotFound:
            record = record_seen_in_hit(actor, record_id)
        body = clean_text(text, "text", RaiseAtOnce(), max_len=4000) if text else ""
        if not body:
            raise Invalid(
                "Hinweis angeben.", code="required", fields={"text": ["Hinweis angeben."]}
            )
        item = InboxItem.objects.create(
            agency=record.owner,
            file=record.file,
            kind=InboxKind.CORRECTION_NOTICE,
            record=record,
            payload={
                "record": str(record.pk),
                "file_number": record.file_number,
                "from_agency": actor.agency.code if actor.agency else "",
                "officer": actor.username,
                "text": body,
            },
            due_at=timezone.now() + datetime.timedelta(hours=settings.VERBUND_CORRECTION_DUE_HOURS),
        )
        # R-L4, R-H2: a notice opens a review of the record at once (or joins the open one).
        from verbund.services.reviews import review_open

        review_open(
            record=record,
            cause=ReviewCause.CORRECTION_NOTICE,
            details={"notice": str(item.pk)},
            actor=actor,
        )
        log_event(
            actor=actor,
            action="record.correction_notice",
            object_type="record",
            object_id=str(record.pk),
            file=record.file.code,
            references=[log_ref(record)],
            details={"text": body},
        )
    return item


def correction_notice_decide(
    *, actor: Officer, item_id: Any, outcome: Any, reasons: Any
) -> InboxItem:
    """Record the owner's answer to a correction notice and tell the sender (R-H2).

    The owner reviews without delay (R-L6: the notice's ``due_at``) and either corrects the
    record — through the owner-only change (R-H1), before or after this decision — and notes
    what was changed, or rejects the notice with reasons. Only officers of the owner agency
    authorised for the file may decide; anybody else gets 404, as if the notice did not
    exist. A second decision is 409 ``already_decided``. The sender's inbox receives a
    ``correction_outcome`` item naming only what the sender already knew (its own notice and
    the file number) plus the answer.
    """
    require_officer(actor)
    shapes.check(shapes.CORRECTION_DECISION, {"outcome": outcome, "reasons": reasons})
    if outcome is None or outcome == "":
        detail = "Ergebnis angeben: berichtigt oder zurückgewiesen."
        raise Invalid(detail, code="required", fields={"outcome": [detail]})
    if outcome not in CorrectionOutcome.values:
        detail = "Ergebnis ist „corrected“ oder „rejected“."
        raise Invalid(detail, code="invalid_choice", fields={"outcome": [detail]})
    text = clean_text(reasons, "reasons", RaiseAtOnce(), max_len=4000) if reasons else ""
    if not text:
        detail = (
            "Kurz angeben, was berichtigt wurde."
            if outcome == CorrectionOutcome.CORRECTED
            else "Gründe der Zurückweisung angeben."
        )
        raise Invalid(detail, code="required", fields={"reasons": [detail]})
    try:
        pk = uuid.UUID(str(item_id))
    except ValueError:
        raise NotFound() from None
    agency_id = actor.agency_id
    if agency_id is None:  # not an officer of any agency: no inbox to decide from
        raise NotFound()
    with transaction.atomic():
        # Lock order (verbund.services.searches): the notice row alone, then the rows
        # written here, the chain lock last (log_record).
        item = (
            InboxItem.objects.select_for_update(of=("self",))
            .filter(
                pk=pk,
                kind=InboxKind.CORRECTION_NOTICE,
                agency_id=agency_id,
                file__in=authorised_files(actor),
            )
            .first()
        )
        if item is None or item.record_id is None:
            raise NotFound()
        # R-H1: correcting is the owner's alone; the access layer decides it.
        record = access_record(actor, item.record_id, "change")
        if item.done_at is not None:
            raise Conflict("Über diesen Hinweis ist bereits entschieden.", code="already_decided")
        now = timezone.now()
        decision = {
            "outcome": outcome,
            "reasons": text,
            "decided_by": actor.username,
            "decided_at": now.isoformat(),
        }
        item.payload = {**item.payload, **decision}
        item.done_at = now
        item.save(update_fields=["payload", "done_at"])
        sender = Agency.objects.filter(code=item.payload.get("from_agency") or "").first()
        if sender is not None:
            # The sender learns the answer: only its own notice, the file number it saw
            # and the owner's decision — nothing of the record it could not see before.
            InboxItem.objects.create(
                agency=sender,
                file=record.file,
                kind=InboxKind.CORRECTION_OUTCOME,
                record=record,
                subject_id=item.pk,
                payload={
                    "file_number": item.payload.get("file_number", ""),
                    "text": item.payload.get("text", ""),
                    "agency": record.owner.code,
                    **decision,
                },
            )
        # R-L4: the answer is the owner's review of this cause; a review the notice alone
        # opened closes with it (its row lock before the chain lock).
        from verbund.services.reviews import review_settle_notice

        review_settle_notice(
            actor=actor, record=record, notice_id=str(item.pk), outcome=outcome, reasons=text
        )
        _log_record(
            actor,
            "record.correction_decide",
            record,
            {
                "notice": str(item.pk),
                "outcome": outcome,
                "reasons": text,
                "to_agency": sender.code if sender is not None else "",
                "version": record.version,
            },
        )
    return item
