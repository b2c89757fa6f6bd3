"""R-J5: the public report page ``/bericht/`` with charts, data tables, CSV and JSON links."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.verbund.reports.conftest import covert, person
from tests.verbund.views.test_no_requirement_ids_in_ui import assert_no_requirement_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitor(reference: dict[str, Any]) -> Client:
    """An anonymous visitor reading German."""
    client = Client()
    client.cookies["django_language"] = "de"
    return client


@pytest.fixture
def secret(make_record: Any, search: Callable[..., dict[str, Any]]) -> Any:
    """A covert BfV record (with a contact person) that another agency's search matched."""
    record = make_record(
        "bfv.analyst",
        basic=person("Geheimrath", "Ali"),
        extended={"contact_persons": [{"surname": "Kontaktmann", "given_names": "Otto"}]},
        reference={"file_number": "BFV-GEHEIM-4711", "classification": "GEHEIM"},
        **covert("BFV"),
    )
    make_record("bka.analyst", basic=person("Offenmann"))
    assert search("lka-bw.analyst", "Geheimrath")["hits"] == []
    assert len(search("lka-bw.analyst", "Offenmann")["hits"]) == 1
    return record


def covert_details(record: Any) -> tuple[str, ...]:
    return ("Geheimrath", "Kontaktmann", "BFV-GEHEIM-4711", str(record.pk), "BFV", "bfv.")


def test_r_j5_report_page_needs_no_login_and_shows_figures_charts_and_tables(
    visitor: Client, secret: Any, statistics: Any
) -> None:
    response = visitor.get("/bericht/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bericht über Datenbestand und Nutzung" in page
    figures = statistics()["files"]["ATD"]
    # The page shows the API's figures; the covert record only as the count.
    table = dict((row["label"], row["values"]) for row in response.context["tables"])
    assert table["verdeckt gespeicherte Datensätze"][0] == figures["records"]["covert"]
    assert table["Suchanfragen"][0] == figures["searches"]
    # Charts: one image each with alt text, described by a data table; CSV and JSON links.
    for name in ("stock", "use"):
        assert f'src="/bericht/diagramm/{name}.svg?from=' in page
        assert f'aria-describedby="chart-{name}-table"' in page
        assert f'id="chart-{name}-table"' in page
    assert 'alt="Balkendiagramm: ' in page
    assert 'href="/bericht/bericht.csv?from=' in page
    assert 'href="/api/v1/reports/statistics/?from=' in page
    assert 'name="from"' in page and 'name="to"' in page
    for detail in covert_details(secret):
        assert detail not in page
    # CSP stays strict on the page: no inline script or style.
    assert "<script>" not in page and "style=" not in page
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("language", ["de", "en"])
def test_r_j5_report_page_in_both_languages_shows_no_requirement_ids(
    visitor: Client, language: str
) -> None:
    visitor.cookies["django_language"] = language
    page = visitor.get("/bericht/").content.decode()
    assert f'<html lang="{language}">' in page
    title = {"de": "Bericht über Datenbestand und Nutzung", "en": "Report on data stock and use"}
    assert title[language] in page
    assert_no_requirement_id(page, f"/bericht/ ({language})")


def test_r_j5_report_charts_are_accessible_svg_without_covert_detail(
    visitor: Client, secret: Any, statistics: Any
) -> None:
    answer = statistics()
    query = f"from={answer['period']['from']}&to={answer['period']['to']}"
    for name, title in (
        ("stock", "Datensätze am Ende des Zeitraums nach Speicherart"),
        ("use", "Nutzung im Zeitraum"),
    ):
        response = visitor.get(f"/bericht/diagramm/{name}.svg?{query}")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        svg = response.content.decode()
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
        assert f"<title>{title}</title>" in svg
        assert "<script" not in svg
        for detail in covert_details(secret):
            assert detail not in svg
        csp = response["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src 'none'" in csp
    assert visitor.get(f"/bericht/diagramm/other.svg?{query}").status_code == 404


def test_r_j5_report_csv_holds_every_figure_of_the_json(
    visitor: Client, secret: Any, statistics: Any
) -> None:
    answer = statistics(**{"to": statistics()["period"]["to"]})
    response = visitor.get(
        "/bericht/bericht.csv", {"from": answer["period"]["from"], "to": answer["period"]["to"]}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="verbund-bericht-{answer["period"]["from"]}-'
        f'{answer["period"]["to"]}.csv"'
    )
    text = response.content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["figure", "Kennzahl", "ATD", "GWS"]
    by_key = {row[0]: row for row in rows[1:]}
    assert by_key["period.from"][2] == answer["period"]["from"]
    assert by_key["period.to"][2] == answer["period"]["to"]
    for key, row in by_key.items():
        if key.startswith("period."):
            continue
        for position, code in enumerate(("ATD", "GWS")):
            value: Any = answer["files"][code]
            for part in key.split("."):
                value = value[part]
            assert row[2 + position] == str(value), key
    assert by_key["records.covert"][1] == "verdeckt gespeicherte Datensätze"
    assert int(by_key["records.covert"][2]) >= 1
    for detail in covert_details(secret):
        assert detail not in text
    assert json.dumps(answer).count("Geheimrath") == 0


@pytest.mark.parametrize(
    "query",
    ["from=2026-13-01", "to=2026-W01-1", "from=2026-03-02&to=2026-03-01", "to=2999-01-01"],
)
def test_r_j5_report_bad_period_is_400_on_page_csv_and_chart(visitor: Client, query: str) -> None:
    page = visitor.get(f"/bericht/?{query}")
    assert page.status_code == 400
    assert 'class="field-error"' in page.content.decode()
    assert visitor.get(f"/bericht/bericht.csv?{query}").status_code == 400
    assert visitor.get(f"/bericht/diagramm/stock.svg?{query}").status_code == 400
