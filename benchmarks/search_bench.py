"""Search benchmark: bulk-load person records into PostgreSQL, then time searches.

Loads N person records of the ATD with realistic name distributions (Zipf-like surnames and
given names, variant spellings, aliases, contact persons, extended data on 44 % of records,
17 % covert — the shares the Federal Government reported, 002 Rn. 54, 68-72) straight into
``verbund_record``, ``verbund_namekey`` and ``verbund_featurevalue`` with COPY, the keys
folded exactly as the record service folds them. Then it times searches through the API
(DRF in process, token auth, full middleware, the access-log write and the on-commit
enqueue of the covert-hit task included) and the same lookups as raw SQL, and reports
p50/p95/p99 and the ratio API/raw for every size.

    python benchmarks/search_bench.py --n 1000000                 # one size
    python benchmarks/search_bench.py --sizes 100000,1000000      # grow 100k -> 1M

The database is ``<DATABASE_URL's name>_bench`` on the same server (created and migrated
here; the tables are emptied first unless ``--keep``). The per-officer rate limit is raised
through ``VERBUND_RATE_LIMIT_FACTOR`` (default here 1000000), never switched off in code.
Needs DATABASE_URL (PostgreSQL) and REDIS_URL; ``make bench-search`` provides both.
"""

from __future__ import annotations

import argparse
import bisect
import datetime
import itertools
import json
import logging
import os
import platform
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# ---------------------------------------------------------------------------- names

# The head of the distributions: real surnames and given names of the ATD's population.
SURNAMES = """Mohammed Ahmed Ali Hassan Hussein Ibrahim Mahmoud Mustafa Abdullah Khalil Yilmaz
Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç Aslan Çetin
Kara Koç Kurt Özkan Şimşek Al-Masri Al-Baghdadi Al-Suri Al-Shami Al-Tunisi Al-Libi
El-Khatib Haddad Khoury Nasser Saleh Salem Said Aziz Karimi Rahimi Hosseini Ahmadi Mohammadi
Rezaei Moradi Hashemi Sadeghi Popal Khan Durrani Yusufzai Shinwari Kakar Achakzai Basayev
Umarov Kadyrov Dudayev Maskhadov Gelayev Israilov Magomedov Aliyev Hadžić Hodžić Kovačević
Begić Delić Mehmedović Husić Omerović Müller Schmidt Schneider Fischer Weber Meyer Wagner
Becker Schulz Hoffmann Schäfer Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Braun
Hofmann Zimmermann Krüger Hartmann Lange Werner Krause Lehmann Köhler Maier Benali Benamar
Bouzid Cherif Haddadi Mansouri Saidi Amrani Tahiri Idrissi Alaoui Berrada Bennani Chraibi
Barzani Talabani Zebari Rashid Jaber Nasrallah Qasim Hamdan Darwish Odeh Barakat Taha Farouk
Suleiman Osman Othman Hamid Hamza Yousef Issa Musa Harun Idris Bakr Omar Umar Zaid Tariq
Bilal Anwar Jamal Kamal Faisal Nabil Walid Khaled Samir Karim Nour Sami Rami Fadi Hadi
""".split()
GIVEN_NAMES = """Mohammed Ahmed Ali Mustafa Hassan Hussein Ibrahim Omar Abdullah Yusuf Mahmoud
Khalid Karim Samir Tariq Bilal Hamza Bakr Idris Ismail Jamal Walid Nabil Faisal Anwar Rami
Mehmet Ahmet Mustafa Murat Emre Hakan Burak Serkan Ömer Osman Hüseyin Hasan Yasin Emin
Ramzan Aslan Ruslan Shamil Magomed Islam Rustam Timur Adam Zelimkhan Dzhokhar Tamerlan
Aziz Farid Jawad Nasir Rahim Sher Gul Wali Zabihullah Samiullah Haroon Asadullah Amir
Alen Amir Edin Emir Adnan Kenan Haris Mirza Tarik Jasmin Nermin Admir Senad Elvis
Thomas Michael Andreas Stefan Christian Daniel Markus Sebastian Dennis Marcel Sven Pierre
Fatima Aisha Maryam Zainab Khadija Amina Leila Nour Sara Hanan Yasmin Huda Rania Salma
Elif Zeynep Ayşe Emine Fatma Hatice Merve Büşra Esra Kübra Sabina Amra Lejla Selma Madina
""".split()
SYLLABLES = """ab ad al am an ar as at az ba be bi bo bu da de di do du el em en er es fa fe
fi ga ge gi gu ha he hi ho hu ib id il im in ir is ja je ka ke ki ko ku la le li lo lu ma me
mi mo mu na ne ni no nu om or os ra re ri ro ru sa se si so su ta te ti to tu ul um ur us
va ve vi wa ya yo za ze zi zu""".split()
ENDINGS = ["", "", "", "i", "ov", "ev", "ić", "ović", "oğlu", "zai", "mann", "er", "an", "y"]
NATIONALITIES = ["DE", "TR", "SY", "IQ", "AF", "RU", "DZ", "MA", "TN", "EG", "LB", "BA", "XK"]
NATIONALITY_WEIGHTS = [20, 14, 12, 10, 9, 8, 6, 6, 4, 4, 3, 2, 2]
# Owners: the BND enters most records held abroad (002 Rn. 68); then BfV, BKA, the states.
OWNERS: list[tuple[str, float]] = [
    ("BND", 34),
    ("BFV", 14),
    ("BKA", 16),
    ("BPOL", 2),
    ("ZKA", 1),
    ("MAD", 1),
]
STATES = "BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH".split()
OWNERS += [(f"LKA-{s}", 1.3) for s in STATES] + [(f"LFV-{s}", 0.7) for s in STATES]


def _zipf_cum(n: int, s: float) -> list[float]:
    cum, total = [], 0.0
    for k in range(1, n + 1):
        total += 1.0 / k**s
        cum.append(total)
    return cum


def _vocabulary(head: list[str], size: int, rng: random.Random) -> list[str]:
    """Return ``size`` distinct names: the real head first, then synthetic ones."""
    seen = {name.casefold() for name in head}
    out = list(dict.fromkeys(head))
    while len(out) < size:
        parts = rng.choice((2, 2, 3))
        name = "".join(rng.choice(SYLLABLES) for _ in range(parts)) + rng.choice(ENDINGS)
        name = name.capitalize()
        if name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return out


class Names:
    """Draw surnames (Zipf s=0.7 over 100k names) and given names (s=1.0 over 3k)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.surnames = _vocabulary(SURNAMES, 100_000, rng)
        self.given = _vocabulary(GIVEN_NAMES, 3_000, rng)
        self._s_cum = _zipf_cum(len(self.surnames), 0.7)
        self._g_cum = _zipf_cum(len(self.given), 1.0)

    def _draw(self, names: list[str], cum: list[float]) -> str:
        return names[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def surname(self) -> str:
        return self._draw(self.surnames, self._s_cum)

    def given_name(self) -> str:
        return self._draw(self.given, self._g_cum)


def spelling_variant(name: str) -> str:
    """Return a transliteration variant as officers store it (R-C1: variant spellings)."""
    for a, b in (("Al-", "El-"), ("ou", "u"), ("y", "i"), ("Mohammed", "Muhammad"), ("k", "q")):
        if a in name:
            return name.replace(a, b, 1)
    return name + "e"


# ---------------------------------------------------------------------------- database


def bench_url(url: str, suffix: str) -> str:
    """Return the URL of the benchmark database next to the given one."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "postgres"
    return urlunsplit(parts._replace(path="/" + name + suffix))


def ensure_database(url: str) -> None:
    """Create the benchmark database when it does not exist."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", flush=True)


def setup_django(url: str) -> None:
    """Point Django at the benchmark database and migrate it."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verbund.settings.test")
    os.environ.setdefault("VERBUND_RATE_LIMIT_FACTOR", "1000000")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    # A refused search (422 too_many_hits) is an expected answer here, not a warning.
    logging.getLogger("django.request").setLevel(logging.ERROR)


# ---------------------------------------------------------------------------- loading


class Loader:
    """Write records and their search keys with COPY, in batches of one transaction each."""

    def __init__(self, seed: int) -> None:
        from agencies.models import Agency, Officer
        from verbund.models import File
        from verbund.search.keys import FIELD_KEYS

        self.rng = random.Random(seed)
        self.names = Names(self.rng)
        self.file = File.objects.get(code="ATD")
        agencies = {a.code: a for a in Agency.objects.all()}
        codes = [c for c, _w in OWNERS]
        self.owner_codes = codes
        self.owner_cum = list(itertools.accumulate(w for _c, w in OWNERS))
        self.agency_ids = {c: agencies[c].pk for c in codes}
        self.creators = {c: Officer.objects.get(username=f"{c.lower()}.analyst").pk for c in codes}
        self.heads = {c: Officer.objects.get(username=f"{c.lower()}.head").pk for c in codes}
        self.field_keys = FIELD_KEYS
        self.numbers = itertools.count(1)
        self.phone_numbers = itertools.count(10_000_000)
        # A sample of what was stored, to build queries that hit.
        self.sample: list[dict[str, Any]] = []

    def _owner(self) -> str:
        x = self.rng.random() * self.owner_cum[-1]
        return self.owner_codes[bisect.bisect(self.owner_cum, x)]

    def _person(self) -> tuple[dict[str, Any], list[tuple], list[tuple]]:
        from verbund.search.keys import NAME, stored_key

        def fold(value: str) -> str:
            # The keys the record service writes (one registry, verbund.search.keys).
            return stored_key(NAME, value)

        rng = self.rng
        owner = self._owner()
        storage = rng.choices(("open", "restricted", "covert"), (80, 3, 17))[0]
        surname = self.names.surname()
        given = " ".join(self.names.given_name() for _ in range(rng.choice((1, 1, 1, 2))))
        born = (
            datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(20_500))
            if rng.random() < 0.85
            else None
        )
        nats = sorted(set(rng.choices(NATIONALITIES, NATIONALITY_WEIGHTS, k=rng.choice((1, 1, 2)))))
        case_group = rng.choices(("1a", "1b", "1c", "2"), (45, 15, 10, 30))[0]
        basic: dict[str, Any] = {
            "surname": surname,
            "given_names": given,
            "sex": rng.choices(("m", "f"), (88, 12))[0],
            "nationalities": nats,
        }
        if born:
            basic["date_of_birth"] = born.isoformat()
        if rng.random() < 0.2:
            basic["spellings"] = [spelling_variant(surname)]
        if rng.random() < 0.1:
            basic["aliases"] = ["Abu " + self.names.given_name()]
        extended: dict[str, Any] = {}
        # 44 % of records have any extended data (002 Rn. 68); restricted: none entered.
        if storage != "restricted" and rng.random() < 0.44:
            extended["phones"] = [
                f"+49 {rng.choice((30, 40, 69, 89, 221))} {next(self.phone_numbers)}"
                for _ in range(rng.choice((1, 1, 2)))
            ]
            if rng.random() < 0.3:
                extended["emails"] = [f"user{next(self.phone_numbers)}@example.org"]
            if rng.random() < 0.1:
                extended["vehicles"] = [f"B-{rng.choice('ABCDEFGHKLMN')}{rng.randrange(9999)}"]
            if rng.random() < 0.1:
                extended["skills"] = sorted(
                    set(rng.choices(("explosives", "weapons", "forgery", "combat_training"), k=2))
                )
            if rng.random() < 0.08:
                extended["visited_places"] = ["training_camp"]
            if rng.random() < 0.2:
                extended["organisation"] = f"Gruppe {rng.randrange(500)}"
            if case_group in ("1a", "2") and rng.random() < 0.02:
                extended["contact_persons"] = [
                    {"surname": self.names.surname(), "given_names": self.names.given_name()}
                ]
        record_id = uuid.uuid4()
        nat_key = "|" + "|".join(nats) + "|"
        given_key = fold(given)
        names = [("basic", fold(surname), given_key, born, nat_key)]
        names += [("basic", fold(v), given_key, born, nat_key) for v in basic.get("spellings", [])]
        names += [("basic", fold(a), "", born, nat_key) for a in basic.get("aliases", [])]
        for cp in extended.get("contact_persons", []):
            names.append(("extended", fold(cp["surname"]), fold(cp["given_names"]), None, "||"))
        features = []
        for field, field_key in self.field_keys.items():
            value = extended.get(field)
            for item in value if isinstance(value, list) else ([value] if value else []):
                features.append((field, stored_key(field_key, item)))
        now = datetime.datetime.now(datetime.UTC)
        row = {
            "id": record_id,
            "file_id": self.file.pk,
            "owner_id": self.agency_ids[owner],
            "created_by_id": self.creators[owner],
            "kind": "person",
            "case_group": case_group,
            "storage": storage,
            "storage_decided_by_id": None if storage == "open" else self.heads[owner],
            "storage_reasons": "" if storage == "open" else "Quellenschutz (Benchmark)",
            "findings_basis": "Benchmark",
            "basic": basic,
            "extended": extended,
            "withheld": [] if storage != "restricted" else ["phones", "emails"],
            "file_number": f"{owner}-{next(self.numbers):09d}",
            "classification": rng.choice(("none", "VS-NfD", "VS-NfD", "VS-V", "GEHEIM")),
            "review_date": datetime.date(2030, 1, 1),
            "deletion_date": datetime.date(2035, 1, 1),
            "created_at": now,
            "updated_at": now,
        }
        if len(self.sample) < 20_000 or rng.random() < 0.002:
            self.sample.append(
                {
                    "surname": surname,
                    "given": given,
                    "born": born,
                    "storage": storage,
                    "phones": extended.get("phones", []),
                    "skills": extended.get("skills", []),
                }
            )
        return row, [(record_id, *n) for n in names], [(record_id, *f) for f in features]

    def sample_from_database(self, limit: int = 20_000) -> None:
        """Build the query sample from stored records (``--keep`` without loading)."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT basic, extended, storage FROM verbund_record TABLESAMPLE SYSTEM (5) "
                "WHERE kind = 'person' LIMIT %s",
                [limit],
            )
            for basic, extended, storage in cursor.fetchall():
                basic = json.loads(basic) if isinstance(basic, str) else basic
                extended = json.loads(extended) if isinstance(extended, str) else extended
                born = basic.get("date_of_birth")
                self.sample.append(
                    {
                        "surname": basic["surname"],
                        "given": basic.get("given_names", ""),
                        "born": datetime.date.fromisoformat(born) if born else None,
                        "storage": storage,
                        "phones": extended.get("phones", []),
                        "skills": extended.get("skills", []),
                    }
                )

    def load(self, count: int, batch: int = 50_000) -> float:
        """Write ``count`` more records; return the seconds it took."""
        from django.db import connection, transaction
        from psycopg import sql
        from psycopg.types.json import Jsonb

        from verbund.models import Record

        fields = Record._meta.concrete_fields
        columns = [f.column for f in fields]
        json_columns = {f.column for f in fields if f.get_internal_type() == "JSONField"}
        defaults = {f.column: f.get_default() for f in fields}

        def copy_sql(table: str, cols: list[str]) -> sql.Composed:
            return sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, cols))
            )

        started = time.perf_counter()
        done = 0
        while done < count:
            size = min(batch, count - done)
            records, names, features = [], [], []
            for _ in range(size):
                row, n, f = self._person()
                records.append(row)
                names.extend(n)
                features.extend(f)
            with transaction.atomic():
                connection.ensure_connection()
                raw = connection.connection
                assert raw is not None
                with raw.cursor() as cur:
                    with cur.copy(copy_sql("verbund_record", columns)) as copy:
                        for row in records:
                            values = []
                            for col in columns:
                                value = row[col] if col in row else defaults[col]
                                values.append(Jsonb(value) if col in json_columns else value)
                            copy.write_row(values)
                    name_cols = [
                        "record_id",
                        "file_id",
                        "source",
                        "surname_key",
                        "given_key",
                        "date_of_birth",
                        "nationalities",
                    ]
                    with cur.copy(copy_sql("verbund_namekey", name_cols)) as copy:
                        for rid, source, skey, gkey, born, nats in names:
                            copy.write_row((rid, self.file.pk, source, skey, gkey, born, nats))
                    feature_cols = ["record_id", "file_id", "field", "value_key"]
                    with cur.copy(copy_sql("verbund_featurevalue", feature_cols)) as copy:
                        for rid, field, key in features:
                            copy.write_row((rid, self.file.pk, field, key))
            done += size
            rate = done / (time.perf_counter() - started)
            print(f"  loaded {done:,}/{count:,} records ({rate:,.0f}/s)", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE verbund_record, verbund_namekey, verbund_featurevalue")
        return time.perf_counter() - started


# ---------------------------------------------------------------------------- queries

NAME_RAW = """
SELECT r.id, r.basic, r.file_number, r.classification, a.code
FROM verbund_namekey nk
JOIN verbund_record r ON r.id = nk.record_id
JOIN agencies_agency a ON a.id = r.owner_id
WHERE nk.file_id = %(file)s AND nk.surname_key = %(surname)s
  AND (%(given)s = '' OR nk.given_key = %(given)s OR nk.given_key = '')
  AND (%(born)s::date IS NULL OR nk.date_of_birth = %(born)s::date OR nk.date_of_birth IS NULL)
  AND r.status = 'active' AND (r.owner_id = %(agency)s OR r.storage <> 'covert')
LIMIT 201
"""
FEATURE_RAW = """
SELECT DISTINCT r.id, r.file_number, r.classification, a.code
FROM verbund_featurevalue fv
JOIN verbund_record r ON r.id = fv.record_id
JOIN agencies_agency a ON a.id = r.owner_id
WHERE fv.file_id = %(file)s AND fv.field = %(field)s AND fv.value_key = %(key)s
  AND (%(field2)s = '' OR EXISTS (
        SELECT 1 FROM verbund_featurevalue f2
        WHERE f2.record_id = fv.record_id AND f2.file_id = %(file)s
          AND f2.field = %(field2)s AND f2.value_key = %(key2)s))
  AND r.status = 'active' AND (r.owner_id = %(agency)s OR r.storage <> 'covert')
LIMIT 201
"""


def build_queries(loader: Loader, per_kind: int, rng: random.Random) -> dict[str, list]:
    """Return query sets: (API criteria, mode, raw SQL, raw params) per kind."""
    from verbund.search.keys import fold_phone
    from verbund.search.normalise import fold

    file_id = loader.file.pk
    sample = loader.sample
    people = rng.sample(sample, min(per_kind, len(sample)))
    with_phone = [p for p in sample if p["phones"]]
    with_skill = [p for p in with_phone if p["skills"]]
    out: dict[str, list] = {}

    def name_q(surname: str, given: str = "", born: datetime.date | None = None) -> tuple:
        criteria: dict[str, str] = {"surname": surname}
        if given:
            criteria["given_names"] = given
        if born:
            criteria["date_of_birth"] = born.isoformat()
        params = {
            "file": file_id,
            "surname": fold(surname),
            "given": fold(given) if given else "",
            "born": born,
        }
        return criteria, "name", NAME_RAW, params

    out["name: surname+given+dob"] = [name_q(p["surname"], p["given"], p["born"]) for p in people]
    out["name: surname+given"] = [name_q(p["surname"], p["given"]) for p in people]
    out["name: surname only"] = [name_q(p["surname"]) for p in people]
    out["name: no hit"] = [
        name_q("Zzq" + "".join(rng.choice(SYLLABLES) for _ in range(3))) for _ in people
    ]

    def feature_q(field: str, value: str, field2: str = "", value2: str = "") -> tuple:
        criteria = {field: value}
        if field2:
            criteria[field2] = value2
        key = fold_phone(value) if field == "phones" else value
        params = {"file": file_id, "field": field, "key": key, "field2": field2, "key2": value2}
        return criteria, "feature", FEATURE_RAW, params

    phones = rng.sample(with_phone, min(per_kind, len(with_phone)))
    out["feature: phone"] = [feature_q("phones", p["phones"][0]) for p in phones]
    skilled = rng.sample(with_skill, min(per_kind, len(with_skill)))
    out["feature: phone+skill"] = [
        feature_q("phones", p["phones"][0], "skills", p["skills"][0]) for p in skilled
    ]
    return out


def percentiles(values: list[float]) -> tuple[float, float, float]:
    """Return p50, p95, p99 in milliseconds."""
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49] * 1000, q[94] * 1000, q[98] * 1000


def run_size(loader: Loader, per_kind: int, rng: random.Random, username: str) -> dict[str, Any]:
    """Time every query kind through the API and as raw SQL; return the figures."""
    from django.db import connection
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    from agencies.models import Officer

    officer = Officer.objects.get(username=username)
    _, token = AuthToken.objects.create(user=officer)
    client = APIClient(HTTP_HOST="localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    queries = build_queries(loader, per_kind, rng)
    results: dict[str, Any] = {}
    for kind, items in queries.items():
        api_times: list[float] = []
        cpu_times: list[float] = []
        raw_times: list[float] = []
        hits: list[int] = []
        refused = 0
        order = list(items)
        # Warm up caches for both paths alike.
        for criteria, mode, raw_sql, params in order[:20]:
            _api(client, criteria, mode)
            with connection.cursor() as cursor:
                cursor.execute(raw_sql, {**params, "agency": officer.agency_id})
                cursor.fetchall()
        for criteria, mode, raw_sql, params in order:
            t0, c0 = time.perf_counter(), time.process_time()
            response = _api(client, criteria, mode)
            api_times.append(time.perf_counter() - t0)
            cpu_times.append(time.process_time() - c0)
            if response.status_code == 201:
                hits.append(response.json()["hit_count"])
            elif response.status_code == 422:
                refused += 1
            else:
                raise RuntimeError(f"{kind}: {response.status_code} {response.content[:300]!r}")
            t0 = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(raw_sql, {**params, "agency": officer.agency_id})
                cursor.fetchall()
            raw_times.append(time.perf_counter() - t0)
        api = percentiles(api_times)
        raw = percentiles(raw_times)
        results[kind] = {
            "loadavg_1min": os.getloadavg()[0],
            "n": len(order),
            "mean_hits": statistics.mean(hits) if hits else 0.0,
            "refused_too_many": refused,
            "api_ms": api,
            # CPU of this Python process only (Django, DRF, psycopg, Celery publish): the
            # part of the API time that other load on the machine does not inflate much.
            "api_cpu_ms": percentiles(cpu_times),
            "raw_ms": raw,
            "ratio_p50": api[0] / raw[0] if raw[0] else None,
            "ratio_p95": api[1] / raw[1] if raw[1] else None,
        }
        print(
            f"  {kind:26s} n={len(order):4d} hits={results[kind]['mean_hits']:5.2f} "
            f"422={refused:3d}  API p50/p95/p99 {api[0]:6.2f}/{api[1]:6.2f}/{api[2]:6.2f} ms  "
            f"cpu p50 {results[kind]['api_cpu_ms'][0]:5.2f}  "
            f"raw {raw[0]:5.2f}/{raw[1]:5.2f}/{raw[2]:5.2f} ms  load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    results["_plans"] = explain(client, queries)
    results["_queries_per_search"] = count_queries(client, queries["name: surname+given+dob"][0])
    return results


def _api(client: Any, criteria: dict[str, str], mode: str) -> Any:
    return client.post(
        "/api/v1/searches/",
        {
            "file": "ATD",
            "mode": mode,
            "purpose": "ct_task",
            "urgency": "routine",
            "criteria": criteria,
        },
        format="json",
    )


def explain(client: Any, queries: dict[str, list]) -> dict[str, list[str]]:
    """Return EXPLAIN ANALYZE of the engine's match queries for one name and feature search."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plans: dict[str, list[str]] = {}
    for kind in ("name: surname+given+dob", "feature: phone+skill"):
        criteria, mode, _sql, _params = queries[kind][0]
        with CaptureQueriesContext(connection) as ctx:
            _api(client, criteria, mode)
        table = "verbund_namekey" if mode == "name" else "verbund_featurevalue"
        for n, query in enumerate(q["sql"] for q in ctx.captured_queries if table in q["sql"]):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query)
                plans[f"{kind} #{n + 1}"] = [row[0] for row in cursor.fetchall()]
    return plans


def count_queries(client: Any, query: tuple) -> int:
    """Return the number of SQL statements one API search runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    criteria, mode, _sql, _params = query
    with CaptureQueriesContext(connection) as ctx:
        _api(client, criteria, mode)
    return len(ctx.captured_queries)


# ---------------------------------------------------------------------------- main


def machine() -> dict[str, Any]:
    """Describe the machine the numbers were measured on."""
    mem = ""
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    cpu = ""
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg = cursor.fetchone()[0]
        settings = {}
        for name in ("shared_buffers", "fsync", "synchronous_commit", "work_mem"):
            cursor.execute("SELECT current_setting(%s)", [name])
            settings[name] = cursor.fetchone()[0]
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "postgres": pg.split(",")[0],
        "postgres_settings": settings,
        "loadavg_at_start": os.getloadavg(),
    }


def truncate() -> None:
    """Empty the record tables (and what hangs on them) of the benchmark database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE verbund_record, verbund_namekey, verbund_featurevalue, verbund_hit, "
            "verbund_coverthit, verbund_search, verbund_searchthrottle CASCADE"
        )


LOAD_MARKER = "bench_load_marker"


def ensure_loaded(count: int, seed: int, password: str, *, reload: bool = False) -> dict[str, Any]:
    """Make the ATD of the current database hold ``count`` records loaded with ``seed``.

    The import-friendly entry point of the loader (``benchmarks/http_bench.py``). Django must
    already be set up on the benchmark database (``setup_django``, which migrates). Creates
    the reference data and the demo accounts (``password``), then reuses the records when
    the marker table says that exactly ``count`` records were loaded completely with
    ``seed`` and the file still holds ``count``; otherwise (or with ``reload``) empties the
    record tables and loads them anew. The marker is written only after a complete load, so
    an interrupted load is redone. Returns what it found or did.
    """
    from django.db import connection

    from agencies.services import demo_officers
    from verbund.models import File, Record
    from verbund.services.reference import reference_data_ensure

    reference_data_ensure()
    demo_officers(password)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {LOAD_MARKER} (id int PRIMARY KEY, records bigint, "
            "seed bigint, seconds double precision, loaded_at timestamptz)"
        )
        cursor.execute(f"SELECT records, seed FROM {LOAD_MARKER} WHERE id = 1")
        marker = cursor.fetchone()
    have = Record.objects.filter(file=File.objects.get(code="ATD")).count()
    if not reload and marker == (count, seed) and have == count:
        print(f"{count:,} records (seed {seed}) already loaded: reused", flush=True)
        return {"records": have, "seed": seed, "loaded_now": False, "load_seconds": 0.0}
    print(f"loading {count:,} records (seed {seed}); the file held {have:,}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {LOAD_MARKER}")
    truncate()
    seconds = Loader(seed).load(count)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {LOAD_MARKER} VALUES (1, %s, %s, %s, now())", [count, seed, seconds]
        )
    return {"records": count, "seed": seed, "loaded_now": True, "load_seconds": seconds}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=int(os.environ.get("N", "1000000")))
    parser.add_argument("--sizes", default="", help="comma-separated sizes, e.g. 100000,1000000")
    parser.add_argument("--queries", type=int, default=300, help="queries per kind and size")
    parser.add_argument("--keep", action="store_true", help="keep the records already loaded")
    parser.add_argument("--seed", type=int, default=20260302)
    parser.add_argument("--suffix", default="_bench", help="suffix of the benchmark database")
    parser.add_argument("--username", default="lka-bw.analyst")
    parser.add_argument("--json", default=str(ROOT / "var" / "bench" / "search_bench.json"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Load, measure and report."""
    args = parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s) or [args.n]
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        print("DATABASE_URL must point at PostgreSQL", file=sys.stderr)
        return 2
    url = bench_url(base, args.suffix)
    ensure_database(url)
    setup_django(url)

    from agencies.services import demo_officers
    from verbund.models import Record
    from verbund.services.reference import reference_data_ensure

    reference_data_ensure()
    demo_officers(os.environ.get("VERBUND_DEMO_PASSWORD", "demo-only-password"))
    if not args.keep:
        truncate()
    loader = Loader(args.seed)
    rng = random.Random(args.seed + 1)
    report: dict[str, Any] = {"machine": machine(), "sizes": {}, "command": sys.argv}
    print(json.dumps(report["machine"], default=str), flush=True)
    for size in sizes:
        have = Record.objects.filter(file=loader.file).count()
        if have < size:
            print(f"loading {size - have:,} records to reach {size:,}", flush=True)
            seconds = loader.load(size - have)
        else:
            seconds = 0.0
        if not loader.sample:
            loader.sample_from_database()
        print(f"size {size:,}: measuring", flush=True)
        figures = run_size(loader, args.queries, rng, args.username)
        figures["load_seconds"] = seconds
        report["sizes"][str(size)] = figures
        for name, plan in figures["_plans"].items():
            print(f"  plan {name}:")
            for line in plan:
                print(f"    {line}")
        print(f"  SQL statements per API search: {figures['_queries_per_search']}", flush=True)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2, default=str))
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
