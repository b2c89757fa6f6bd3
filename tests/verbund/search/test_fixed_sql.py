"""The search's fixed SQL equals the ORM version on randomised data (issue 19).

``verbund.search.sql`` replaced the ORM on the PostgreSQL hot path: the match with its
access conditions (R-D3, R-D5, R-E2-E7, R-L2, R-L3), the search context (R-A4, R-A6) and
the rate limit (R-E5). Each test builds a random file — owners, storage modes, statuses,
deletion dates, name keys with every birth-date precision and nationality, feature and
object values — and compares the two versions on many random queries from several seeds.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Agency, FileAuthorisation, Officer
from verbund.access.records import covert_filter, current_order, searchable_filter
from verbund.models import FeatureValue, File, NameKey, Record
from verbund.models.files import EstablishmentOrder, EstablishmentOrderApproval
from verbund.search import engine
from verbund.search import sql as search_sql

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the fixed SQL runs on PostgreSQL only"
)

SURNAMES = ["mueller", "yilmaz", "almasri", "schmidt", "kaya"]
GIVEN = ["ali", "karl", "anna", ""]
FIELDS = ["phones", "emails", "skills", "vehicles"]
VALUES = ["v1", "v2", "v3", "4930123"]
OWNERS = ["BKA", "LKA-BW", "BFV", "BND"]


def _random_file(rng: random.Random, n: int = 160) -> File:
    """Fill the ATD with ``n`` random records and their keys; return the file."""
    file = File.objects.get(code="ATD")
    owners = {a.code: a for a in Agency.objects.filter(code__in=OWNERS)}
    creator = Officer.objects.get(username="bka.analyst")
    today = timezone.localdate()
    heads = {code: Officer.objects.get(username=f"{code.lower()}.head") for code in OWNERS}
    records = []
    for i in range(n):
        kind = rng.choice(["person"] * 4 + ["phone", "email"])
        owner = rng.choice(OWNERS)
        storage = rng.choice(["open", "open", "restricted", "covert"])
        records.append(
            Record(
                file=file,
                owner=owners[owner],
                created_by=creator,
                kind=kind,
                case_group="1a" if kind == "person" else "",
                storage=storage,
                storage_decided_by=None if storage == "open" else heads[owner],
                storage_reasons="" if storage == "open" else "Quellenschutz",
                status=rng.choice(["active"] * 5 + ["blocked"]),
                markings=rng.choice(
                    [[], ["art10"]] if storage == "covert" else [[], ["other_law"]]
                ),
                basic={"surname": f"S{i}", "given_names": "G"} if kind == "person" else {},
                object_data={"identifier": f"id{i}"} if kind != "person" else {},
                file_number=f"RND-{rng.random():.12f}",
                classification=rng.choice(["none", "VS-NfD"]),
                review_date=today + datetime.timedelta(days=300),
                deletion_date=today + datetime.timedelta(days=rng.choice([-3, 0, 1, 900])),
            )
        )
    Record.objects.bulk_create(records)
    names, features = [], []
    for record in records:
        for _ in range(rng.randint(0, 3)):
            precision = rng.choice(["d", "m", "y", None])
            born = None
            if precision:
                born = datetime.date(rng.choice([1970, 1980]), rng.choice([1, 5]), 1)
                if precision == "d":
                    born = born.replace(day=rng.choice([1, 15]))
            names.append(
                NameKey(
                    record=record,
                    file=file,
                    source=rng.choice(["basic", "basic", "extended"]),
                    surname_key=rng.choice(SURNAMES),
                    given_key=rng.choice(GIVEN),
                    date_of_birth=born,
                    born_precision=precision or "d",
                    nationalities=rng.choice(["", "||", "|DE|", "|DE|TR|", "|SY|"]),
                )
            )
        for _ in range(rng.randint(0, 3)):
            field = rng.choice(
                FIELDS + ([f"object:{record.kind}"] if record.kind != "person" else [])
            )
            features.append(
                FeatureValue(record=record, file=file, field=field, value_key=rng.choice(VALUES))
            )
    NameKey.objects.bulk_create(names)
    FeatureValue.objects.bulk_create(features)
    return file


def _random_query(rng: random.Random) -> Any:
    kind = rng.choice(["name", "name", "feature", "object"])
    if kind == "name":
        born = None
        if rng.random() < 0.5:
            born = datetime.date(rng.choice([1970, 1980]), rng.choice([1, 5]), rng.choice([1, 15]))
        return engine.NameQuery(
            surname=rng.choice(SURNAMES + ["nohit"]),
            given=rng.choice(GIVEN),
            date_of_birth=born,
            nationality=rng.choice(["", "", "DE", "SY"]),
        )
    if kind == "feature":
        fields = rng.sample(FIELDS, rng.randint(1, 2))
        return engine.FeatureQuery(pairs=tuple((f, rng.choice(VALUES)) for f in fields))
    return engine.ObjectQuery(kind=rng.choice(["phone", "email"]), key=rng.choice(VALUES))


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_r_e5_fixed_sql_match_equals_the_orm_on_random_data(reference: Any, seed: int) -> None:
    rng = random.Random(seed)
    file = _random_file(rng)
    today = timezone.localdate()
    seen = {"visible": 0, "covert": 0, "too_many": 0, "extended": 0, "object": 0}
    for username in ("lka-bw.analyst", "bfv.analyst", "bka.analyst"):
        actor = Officer.objects.get(username=username)
        for _ in range(60):
            query = _random_query(rng)
            limit = rng.choice([2, 5, 200])
            orm = engine.run(
                file_id=file.pk,
                query=query,
                visible=searchable_filter(actor, file, via="record"),
                covert=covert_filter(actor, file, via="record"),
                limit=limit,
            )
            fixed = search_sql.match(
                file=file, query=query, agency_id=actor.agency_id, today=today, limit=limit
            )
            got = [engine.to_match(query, r.pk, flag) for r, flag in fixed.visible]
            assert got == orm.visible, (username, query)
            assert (len(fixed.visible) > limit) == orm.too_many
            assert fixed.covert == orm.covert, (username, query)
            seen["visible"] += bool(orm.visible)
            seen["covert"] += bool(orm.covert)
            seen["too_many"] += orm.too_many
            seen["extended"] += any(m.matched_in == "extended" for m in orm.visible)
            seen["object"] += any(m.kind == "object" for m in orm.visible)
            # The records come with the data the hit shows, exactly as stored.
            stored = Record.objects.select_related("owner").in_bulk(
                [r.pk for r, _ in fixed.visible]
            )
            for record, _flag in fixed.visible:
                twin = stored[record.pk]
                assert engine.shape_hit(
                    hit_id=record.pk, kind="name", matched_in="basic", record=record
                ) == engine.shape_hit(
                    hit_id=record.pk, kind="name", matched_in="basic", record=twin
                )
                assert engine.shape_hit(
                    hit_id=record.pk, kind="object", matched_in="object", record=record
                ) == engine.shape_hit(
                    hit_id=record.pk, kind="object", matched_in="object", record=twin
                )
                assert engine.order_key(record) == engine.order_key(twin)
    # The random data reached every kind of answer, not only empty ones.
    assert all(count > 0 for count in seen.values()), seen


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [4, 5, 6, 7])
def test_r_a6_fixed_sql_context_equals_current_order(reference: Any, seed: int) -> None:
    rng = random.Random(seed)
    file = File.objects.get(code="ATD")
    today = timezone.localdate()
    base = EstablishmentOrder.objects.filter(file=file).order_by("-version").first()
    assert base is not None
    bodies = ["BMI", "Länder", "BfDI"]
    file.required_approvals = rng.sample(bodies, rng.randint(0, 2))
    file.requires_bfdi_hearing = rng.random() < 0.5
    file.save()
    for version in range(base.version + 1, base.version + 6):
        order = EstablishmentOrder.objects.create(
            file=file,
            version=version,
            effective_from=today + datetime.timedelta(days=rng.choice([-30, -1, 0, 1, 30])),
            purposes=base.purposes,
            urgencies=base.urgencies,
            bfdi_heard_on=rng.choice(
                [None, today - datetime.timedelta(days=3), today + datetime.timedelta(days=3)]
            ),
        )
        for body in rng.sample(bodies, rng.randint(0, 3)):
            EstablishmentOrderApproval.objects.create(
                order=order,
                body=body,
                approved_on=today + datetime.timedelta(days=rng.choice([-5, 0, 5])),
            )
    actor = Officer.objects.get(username="lka-bw.analyst")
    context = search_sql.search_context(
        officer_id=actor.pk, agency_id=actor.agency_id, code="ATD", today=today
    )
    assert context is not None and context.authorised is True
    expected = current_order(File.objects.get(pk=file.pk))
    assert (context.order.pk if context.order else None) == (expected.pk if expected else None)
    if expected is not None and context.order is not None:
        for field in EstablishmentOrder._meta.concrete_fields:
            assert getattr(context.order, field.attname) == getattr(expected, field.attname)
    for field in File._meta.concrete_fields:
        assert getattr(context.file, field.attname) == getattr(file, field.attname)
    # Authorisation (R-A4): withdrawn, the same statement says so.
    FileAuthorisation.objects.filter(officer=actor, file=file).delete()
    again = search_sql.search_context(
        officer_id=actor.pk, agency_id=actor.agency_id, code="ATD", today=today
    )
    assert again is not None and again.authorised is False
    assert (
        search_sql.search_context(
            officer_id=actor.pk, agency_id=actor.agency_id, code="NOPE", today=today
        )
        is None
    )


@pytest.mark.django_db
def test_r_e5_fixed_sql_rate_limit_counts_to_the_limit(reference: Any) -> None:
    actor = Officer.objects.get(username="lka-bw.analyst")
    file = File.objects.get(code="ATD")
    window = timezone.now().replace(second=0, microsecond=0)
    with transaction.atomic():
        counted = [
            search_sql.throttle_count(officer_id=actor.pk, file_id=file.pk, window=window, limit=3)
            for _ in range(5)
        ]
    assert counted == [True, True, True, False, False]


@pytest.mark.django_db
def test_r_i1_fixed_sql_token_lookup_equals_the_orm(reference: Any) -> None:
    from knox.models import AuthToken
    from knox.settings import CONSTANTS

    from verbund.api.authentication import _candidates

    for username in ("lka-bw.analyst", "bfdi.supervisor", "bka.auskunft"):
        user = Officer.objects.filter(username=username).first()
        if user is None:
            continue
        _, token = AuthToken.objects.create(user=user)
        key = token[: CONSTANTS.TOKEN_KEY_LENGTH]
        fixed = _candidates(key)
        orm = list(AuthToken.objects.filter(token_key=key).select_related("user"))
        assert [t.pk for t in fixed] == [t.pk for t in orm] and fixed
        for a, b in zip(fixed, orm, strict=True):
            for field in AuthToken._meta.concrete_fields:
                assert getattr(a, field.attname) == getattr(b, field.attname)
            for field in Officer._meta.concrete_fields:
                assert getattr(a.user, field.attname) == getattr(b.user, field.attname)
    assert _candidates("nosuchkey") == []
