"""Issue 13 part 4: partial birth dates, dates refused at entry, former nationalities.

R-E2 / R-E5 (equality within the stored precision; a partial query date is incomplete
data), R-L4a (no deletion date already past, no last event in the future).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.conftest import person_payload


def _person(make_record: Any, **basic: Any) -> Any:
    data = {"surname": "Teilweise", "given_names": "Karl"}
    data.update(basic)
    return make_record("bka.analyst", basic=data)


def _hit_ids(run_search: Any, criteria: dict[str, str]) -> list[str]:
    response = run_search("lka-be.analyst", criteria)
    assert response.status_code == 201, response.content
    return [h["record"] for h in response.json()["hits"]]


@pytest.mark.parametrize("stored", ["1962", "1962-05", "1962-05-14"])
def test_r_e2_partial_birth_date_is_stored_with_its_precision(
    make_record: Any, run_search: Any, stored: str
) -> None:
    record = _person(make_record, date_of_birth=stored)
    assert record.basic["date_of_birth"] == stored
    found = _hit_ids(run_search, {"surname": "Teilweise", "date_of_birth": "1962-05-14"})
    assert found == [str(record.pk)]


@pytest.mark.parametrize(
    ("stored", "queried"),
    [
        ("1962", "1963-05-14"),
        ("1962-05", "1962-06-14"),
        ("1962-05", "1961-05-14"),
        ("1962-05-14", "1962-05-15"),
    ],
)
def test_r_e5_partial_birth_date_matches_only_within_its_precision(
    make_record: Any, run_search: Any, stored: str, queried: str
) -> None:
    _person(make_record, date_of_birth=stored)
    assert _hit_ids(run_search, {"surname": "Teilweise", "date_of_birth": queried}) == []


@pytest.mark.parametrize("queried", ["1962", "1962-05"])
def test_r_e5_partial_query_date_is_incomplete_data(run_search: Any, queried: str) -> None:
    response = run_search("lka-be.analyst", {"surname": "Teilweise", "date_of_birth": queried})
    assert response.status_code == 400
    assert response.json()["code"] == "incomplete_data"
    assert "criteria.date_of_birth" in response.json()["fields"]


@pytest.mark.parametrize("queried", ["1962-W20-1", "1962W201", "19620514", "1962-134"])
def test_r_e5_week_and_other_iso_forms_refused_at_search(run_search: Any, queried: str) -> None:
    response = run_search("lka-be.analyst", {"surname": "Teilweise", "date_of_birth": queried})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_date"


def _post(api: Any, **parts: Any) -> Any:
    return api("bka.analyst").post("/api/v1/records/", person_payload(**parts), format="json")


@pytest.mark.parametrize("born", ["1962-W20-1", "19620514", "1962-13", "1962-134", "62"])
def test_r_e2_week_dates_and_bad_birth_dates_refused_at_entry(api: Any, born: str) -> None:
    response = _post(api, basic={"surname": "Teilweise", "date_of_birth": born})
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_date"
    assert "basic.date_of_birth" in response.json()["fields"]


def test_r_l4a_future_birth_date_refused(api: Any) -> None:
    next_year = str(datetime.date.today().year + 1)
    for born in (next_year, f"{next_year}-01", (datetime.date.today() + datetime.timedelta(1))):
        response = _post(api, basic={"surname": "Teilweise", "date_of_birth": str(born)})
        assert response.status_code == 400, born
        assert "basic.date_of_birth" in response.json()["fields"]


def test_r_l4a_future_last_event_date_refused(api: Any) -> None:
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    response = _post(api, extended={"last_event_date": tomorrow})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_date"
    assert "extended.last_event_date" in response.json()["fields"]


def test_r_l4a_deletion_date_already_past_refused(api: Any) -> None:
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    response = _post(api, deletion_date=yesterday, review_date="2000-01-01")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "deletion_date_past"
    assert "deletion_date" in response.json()["fields"]


def test_r_l4a_partial_birth_date_counts_as_youngest_for_storage_limits(api: Any) -> None:
    """A child born "sometime in" a year: the shorter (child) limit applies."""
    year = datetime.date.today().year - 13
    far = (datetime.date.today() + datetime.timedelta(days=365 * 5)).isoformat()
    response = _post(
        api, basic={"surname": "Teilweise", "date_of_birth": str(year)}, deletion_date=far
    )
    assert response.status_code == 400
    assert response.json()["code"] == "deletion_date_too_late"


def test_r_e2_former_nationality_counts(make_record: Any, run_search: Any) -> None:
    """A search with SY finds a person now DE, formerly SY; other codes narrow it out."""
    record = _person(make_record, nationalities=["DE"], former_nationalities=["SY"])
    for code in ("SY", "DE"):
        assert _hit_ids(run_search, {"surname": "Teilweise", "nationality": code}) == [
            str(record.pk)
        ]
    assert _hit_ids(run_search, {"surname": "Teilweise", "nationality": "IQ"}) == []


def test_r_e2_nationality_narrows_only_where_one_is_stored(
    make_record: Any, run_search: Any
) -> None:
    record = _person(make_record)
    assert _hit_ids(run_search, {"surname": "Teilweise", "nationality": "IQ"}) == [str(record.pk)]
