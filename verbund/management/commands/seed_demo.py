"""Seed reference data, demo officers and a few hundred synthetic records (idempotent).

Entering the records takes a while (each goes through ``record_create`` with every rule and
its audit row): on a terminal a progress bar (tqdm, ``verbund.management.progress``) runs on
stderr; elsewhere only the plain summary is printed at the end.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from agencies.models import Officer
from agencies.services import demo_officers
from subjects.catalogue import subject_desks_ensure
from verbund.management.progress import progress
from verbund.models import DateRule, Record
from verbund.services.date_rules import add_months, date_rule_create
from verbund.services.records import record_create
from verbund.services.reference import reference_data_ensure

# Names with realistic variant transliterations (R-C1 variant spellings and aliases).
ARABIC = [
    ("Al-Masri", ["El-Masri", "Almasri"], ["Mohammed", "Muhammad", "Mohamed"]),
    ("Abdullah", ["Abdallah", "Abdulla"], ["Ahmed", "Ahmad"]),
    ("Haddad", ["Hadad"], ["Youssef", "Yusuf", "Jussuf"]),
    ("Al-Rashid", ["Ar-Rashid", "Alrashid"], ["Omar", "Umar"]),
    ("Hussein", ["Husain", "Hussain", "Husein"], ["Ali"]),
    ("Khalil", ["Chalil", "Halil"], ["Ibrahim", "Ebrahim"]),
    ("Nasser", ["Nasir", "Nassir"], ["Khaled", "Chalid", "Khalid"]),
    ("Saleh", ["Salih", "Salah"], ["Mustafa", "Mostafa"]),
]
TURKISH = [
    ("Yılmaz", ["Yilmaz"], ["Mehmet", "Mehmed"]),
    ("Öztürk", ["Oeztuerk", "Ozturk"], ["Ayşe", "Ayse"]),
    ("Çelik", ["Celik", "Tschelik"], ["Mustafa"]),
    ("Şahin", ["Sahin", "Schahin"], ["Emre"]),
    ("Doğan", ["Dogan"], ["Hüseyin", "Hueseyin", "Huseyin"]),
    ("Kaya", [], ["Fatma"]),
    ("Aydın", ["Aydin"], ["Kemal"]),
]
GERMAN = [
    ("Müller", ["Mueller"], ["Thomas"]),
    ("Schröder", ["Schroeder"], ["Jörg", "Joerg"]),
    ("Weiß", ["Weiss"], ["Stefan"]),
    ("Groß", ["Gross"], ["Andreas"]),
    ("Becker", [], ["Sven"]),
    ("Krüger", ["Krueger"], ["Dennis"]),
]
OBJECT_NAMES = ["Al-Nur Kulturverein", "Hilfswerk Ansar", "Bildungsverein Iqra", "Dawa Team"]
NATIONALITIES = {
    "arabic": ["SY", "IQ", "EG", "LB", "MA", "DZ"],
    "turkish": ["TR"],
    "german": ["DE"],
}


class Command(BaseCommand):
    """``manage.py seed_demo [--records N]``."""

    help = "Create reference data, the demo accounts and synthetic demo records."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--records", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2013)

    def handle(self, *args: Any, **options: Any) -> None:
        reference_data_ensure()
        demo_officers(settings.VERBUND_DEMO_PASSWORD)
        subject_desks_ensure(settings.VERBUND_DEMO_PASSWORD)
        _demo_date_rules()
        if Record.objects.exists():
            self.stdout.write(_("Demo records exist; reference data and accounts refreshed."))
            return
        rng = random.Random(options["seed"])
        created = 0
        count = options["records"]
        with progress(
            self, range(count), total=count, desc=_("Demo records"), unit=" " + _("records")
        ) as numbers:
            for i in numbers:
                created += self._one(rng, i)
        self.stdout.write(_("Seeded %(count)d demo records.") % {"count": created})

    def _one(self, rng: random.Random, i: int) -> int:
        """Enter one synthetic record through the service (every rule checked, R-C9)."""
        if i % 7 == 6:
            return self._gws(rng, i)
        owner = rng.choice(
            [
                "bka",
                "bfv",
                "bnd",
                "lka-bw",
                "lka-by",
                "lka-nw",
                "lfv-nw",
                "lfv-be",
                "mad",
                "zka",
                "bpol",
            ]
        )
        analyst = Officer.objects.get(username=f"{owner}.analyst")
        family, pool = rng.choice(
            [(ARABIC, "arabic")] * 5 + [(TURKISH, "turkish")] * 3 + [(GERMAN, "german")] * 2
        )
        surname, spellings, givens = rng.choice(family)
        storage = rng.choices(["open", "restricted", "covert"], weights=[75, 10, 15])[0]
        case_group = rng.choice(["1a", "1a", "1b", "1c", "2", "2"])
        born = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(0, 14000))
        data: dict[str, Any] = {
            "file": "ATD",
            "kind": "person",
            "case_group": case_group,
            "storage": storage,
            "findings_basis": f"Erkenntnisse aus Ermittlungsvorgang {owner.upper()}-{1000 + i}",
            "basic": {
                "surname": surname,
                "given_names": givens[0],
                "spellings": spellings,
                "sex": rng.choice(["m", "m", "m", "f"]),
                "date_of_birth": born.isoformat(),
                "nationalities": [rng.choice(NATIONALITIES[pool])],
            },
            "reference": {
                "file_number": f"{owner.upper()}-{2020 + i % 6}-{i:05d}",
                "classification": rng.choice(["none", "VS-NfD", "VS-V", "GEHEIM"]),
            },
        }
        if len(givens) > 1 and rng.random() < 0.5:
            data["basic"]["aliases"] = [f"Abu {rng.choice(givens)}"]
        if storage != "restricted" and rng.random() < 0.44:
            data["extended"] = {
                "phones": [f"+49 1{rng.randrange(50, 79)} {rng.randrange(1000000, 9999999)}"],
                "skills": rng.sample(["explosives", "weapons", "it_attack", "forgery"], 1),
                "last_event_date": (
                    datetime.date.today() - datetime.timedelta(days=rng.randrange(30, 900))
                ).isoformat(),
            }
            if case_group in ("1a", "2") and rng.random() < 0.3:
                cs, _cv, cg = rng.choice(ARABIC + TURKISH)
                data["extended"]["contact_persons"] = [{"surname": cs, "given_names": cg[0]}]
        if storage != "open":
            data["storage_decision"] = {
                "decided_by": f"{owner}.head",
                "reasons": "Besondere Geheimhaltungsinteressen (Quellenschutz) im Einzelfall.",
            }
        if storage == "covert" and owner in ("bfv", "bnd", "lfv-nw") and rng.random() < 0.3:
            data["markings"] = ["art10"]
        if owner != "bka" and i % 2 == 0:
            # Half the records of agencies without a date rule state their source data's
            # dates (R-L4a); the others are listed for review at once.
            data.update(_source_dates(i))
        person = record_create(actor=analyst, data=data)
        if rng.random() < 0.12:
            return 1 + self._object(rng, analyst, person, data, i)
        return 1

    def _object(
        self, rng: random.Random, analyst: Officer, person: Record, data: dict[str, Any], i: int
    ) -> int:
        """Enter an object linked to the person: identification data only (R-B4)."""
        phones = data.get("extended", {}).get("phones")
        if phones and rng.random() < 0.5:
            kind, identifier, description = "phone", phones[0], "Mobilfunkanschluss"
        else:
            kind = "association"
            identifier = rng.choice(OBJECT_NAMES) + f" {i}"
            description = "Verein, über den Spenden gesammelt werden"
        payload: dict[str, Any] = {
            "file": "ATD",
            "kind": kind,
            "storage": data["storage"],
            "findings_basis": data["findings_basis"],
            "object": {"identifier": identifier, "description": description},
            "linked_person": str(person.pk),
            "reference": {"file_number": f"{data['reference']['file_number']}-O"},
        }
        for key in ("storage_decision", "markings"):
            if key in data:
                payload[key] = data[key]
        record_create(actor=analyst, data=payload)
        return 1

    def _gws(self, rng: random.Random, i: int) -> int:
        owner = rng.choice(["lka-bw", "lka-by", "lka-nw", "lka-he", "bpol"])
        analyst = Officer.objects.get(username=f"{owner}.analyst")
        surname, spellings, givens = rng.choice(GERMAN + TURKISH)
        born = datetime.date(1975, 1, 1) + datetime.timedelta(days=rng.randrange(0, 9000))
        record_create(
            actor=analyst,
            data={
                "file": "GWS",
                "kind": "person",
                "basic": {
                    "surname": surname,
                    "given_names": givens[0],
                    "spellings": spellings,
                    "date_of_birth": born.isoformat(),
                },
                "reference": {"file_number": f"VB-{owner.upper()}-{i:05d}"},
                "incident": _incident(rng, i),
            },
        )
        return 1


# Demo incident reports (R-M2): matches of the kind the GWS practice reports (004 Rn. 29).
MATCHES = [
    (
        "Oberliga Baden-Württemberg",
        "Karlsruher SC II – SSV Reutlingen",
        "Wildparkstadion, Karlsruhe",
    ),
    ("Bundesliga", "VfB Stuttgart – Karlsruher SC", "MHPArena, Stuttgart"),
    ("Bundesliga", "FC Bayern München – 1. FC Nürnberg", "Allianz Arena, München"),
    ("2. Bundesliga", "Fortuna Düsseldorf – 1. FC Köln", "Merkur Spiel-Arena, Düsseldorf"),
    ("DFB-Pokal", "Eintracht Frankfurt – Kickers Offenbach", "Deutsche Bank Park, Frankfurt"),
]
OFFENCES = [
    "Landfriedensbruch (§ 125 StGB)",
    "Gefährliche Körperverletzung (§ 224 StGB)",
    "Verstoß gegen das Sprengstoffgesetz (Pyrotechnik)",
    "Widerstand gegen Vollstreckungsbeamte (§ 113 StGB)",
]


def _incident(rng: random.Random, i: int) -> dict[str, Any]:
    """Return a demo incident report, sometimes with a stadium ban (R-M2, R-M3)."""
    event, match, venue = rng.choice(MATCHES)
    day = datetime.date(2024, 8, 1) + datetime.timedelta(days=rng.randrange(0, 400))
    incident: dict[str, Any] = {
        "date": day.isoformat(),
        "event": event,
        "match": match,
        "venue": venue,
        "clubs": [club.strip() for club in match.split("–")],
        "report_reference": f"VB-{day:%Y}-{i:05d}",
        "suspected_offence": rng.choice(OFFENCES),
        "proceedings": {"status": rng.choice(["pending", "charged", "discontinued"])},
    }
    if rng.random() < 0.3:
        incident["measures"] = [
            {
                "kind": "stadium_ban",
                "from": (day + datetime.timedelta(days=30)).isoformat(),
                "until": (day + datetime.timedelta(days=30 + 3 * 365)).isoformat(),
                "authority": "Deutscher Fußball-Bund (bundesweites Stadionverbot)",
            }
        ]
    return incident


# The BKA's demo date rule (R-L4a); other agencies have none, so their records entered
# without dates are listed for review at once (LKA-BW shows it).
DEMO_RULE = {
    "file": "ATD",
    "provision": "§ 77 BKAG (Aussonderungsprüffristen)",
    "review_months": {"adult": 60, "juvenile": 36, "child": 24},
    "storage_months": {"adult": 120, "juvenile": 60, "child": 24},
    "valid_from": datetime.date(2010, 6, 4),
}


def _demo_date_rules() -> None:
    """Give the BKA its demo date rule once (idempotent)."""
    if DateRule.objects.filter(agency__code="BKA", file__code="ATD").exists():
        return
    date_rule_create(actor=Officer.objects.get(username="bka.head"), **DEMO_RULE)


def _source_dates(i: int) -> dict[str, str]:
    """Review and deletion dates as an owner states them from its source data."""
    today = datetime.date.today()
    review = add_months(today, 6 + i % 36)
    return {
        "review_date": review.isoformat(),
        "deletion_date": add_months(review, 12).isoformat(),
    }
