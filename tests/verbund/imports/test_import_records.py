"""Bulk import checks each record and maps to catalogue values, never fills free text (R-C9)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from tests.conftest import person_payload
from verbund.models import Record


def _lines(*payloads: dict[str, Any]) -> str:
    return "\n".join(json.dumps(p) for p in payloads) + "\n"


@pytest.mark.django_db
def test_r_c9_import_maps_labels_to_catalogue_codes(officer):
    from verbund.services.imports import records_import

    good = person_payload(extended={"skills": ["Sprengstoffkenntnisse"], "ethnicity": "kurdisch"})
    report = records_import(actor=officer("lka-nw.analyst"), source=io.StringIO(_lines(good)))
    assert report.rejected == []
    record = Record.objects.get(pk=report.created[0])
    assert record.extended["skills"] == ["explosives"]
    assert record.extended["ethnicity"] == "kurdish"
    assert "free_text" not in record.extended


@pytest.mark.django_db
def test_r_c9_import_rejects_unmapped_values_and_free_text_per_record(officer):
    from verbund.services.imports import records_import

    unmapped = person_payload(extended={"skills": ["kann gut kochen"]})
    free_text = person_payload(extended={"free_text": "Sprengstoffkenntnisse laut Quelle"})
    irrelevant = person_payload(case_group="advocating")
    good = person_payload()
    source = io.StringIO(_lines(unmapped, free_text, irrelevant, good))
    report = records_import(actor=officer("lka-nw.analyst"), source=source)
    assert [r["line"] for r in report.rejected] == [1, 2, 3]
    assert [r["code"] for r in report.rejected] == [
        "not_in_catalogue",
        "not_in_catalogue",
        "invalid_case_group",
    ]
    assert len(report.created) == 1
    assert Record.objects.count() == 1


@pytest.mark.django_db
def test_r_c9_import_command_reports(reference, tmp_path, capsys):
    path = tmp_path / "source.jsonl"
    path.write_text(_lines(person_payload(), person_payload(findings_basis="")))
    call_command("import_records", str(path), "--as", "bka.analyst")
    out = json.loads(capsys.readouterr().out)
    assert out["created"] == 1
    assert out["rejected"][0]["code"] == "findings_basis_required"
