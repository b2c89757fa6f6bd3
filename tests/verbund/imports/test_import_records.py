"""Bulk import checks each record and maps to catalogue values, never fills free text (R-C9)."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from agencies.services import demo_officers
from tests.conftest import PASSWORD, person_payload
from verbund.models import Record
from verbund.services.reference import reference_data_ensure

ROOT = Path(__file__).resolve().parents[3]


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


class _Terminal(io.StringIO):
    """A captured stream that says it is a terminal, as a TTY stderr would."""

    def isatty(self) -> bool:
        return True


def _import(path: Path, *args: str, stderr: io.StringIO | None = None) -> tuple[str, str]:
    """Run import_records as bka.analyst in German; return (stdout, stderr)."""
    out, err = io.StringIO(), stderr if stderr is not None else io.StringIO()
    with translation.override("de"):
        call_command(
            "import_records", str(path), "--as", "bka.analyst", *args, stdout=out, stderr=err
        )
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_r_c9_import_command_with_rejected_lines_fails_and_lists_each_line(reference, tmp_path):
    """Rejected lines: exit status 1, each line number with code and field on stderr.

    The lines that pass are imported all the same (each record stands on its own).
    """
    path = tmp_path / "source.jsonl"
    path.write_text(
        _lines(person_payload(), person_payload(findings_basis=""))
        + "kein JSON\n"
        + _lines(person_payload(case_group="advocating"), person_payload())
    )
    out, err = io.StringIO(), io.StringIO()
    with translation.override("de"), pytest.raises(CommandError) as refused:
        call_command("import_records", str(path), "--as", "bka.analyst", stdout=out, stderr=err)
    assert refused.value.returncode == 1
    assert "3 Zeilen abgelehnt" in str(refused.value)
    lines = err.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Zeile 2: findings_basis_required (findings_basis: ")
    assert lines[1].startswith("Zeile 3: invalid (")
    assert lines[2].startswith("Zeile 4: invalid_case_group (case_group: ")
    assert "Fallgruppen" in lines[2]  # the rule's own message, not just the code
    assert out.getvalue().strip() == "2 Datensätze importiert, 3 Zeilen abgelehnt."
    assert Record.objects.count() == 2


@pytest.mark.django_db
def test_r_c9_import_command_json_report_keeps_the_failing_exit(reference, tmp_path):
    path = tmp_path / "source.jsonl"
    path.write_text(_lines(person_payload(), person_payload(findings_basis="")))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_records",
            str(path),
            "--as",
            "bka.analyst",
            "--json",
            stdout=out,
            stderr=io.StringIO(),
        )
    report = json.loads(out.getvalue())
    assert report["created"] == 1
    assert [(r["line"], r["code"]) for r in report["rejected"]] == [(2, "findings_basis_required")]


@pytest.mark.django_db
def test_r_c9_import_command_clean_import_exits_zero_with_a_summary(reference, tmp_path):
    path = tmp_path / "source.jsonl"
    path.write_text(_lines(person_payload(), person_payload()) + "\n")  # blank lines skipped
    out, err = _import(path)
    assert out.strip() == "2 Datensätze importiert, 0 Zeilen abgelehnt."
    assert err == ""  # no progress bar, no rejection: stderr is not a terminal
    assert Record.objects.count() == 2


@pytest.mark.django_db
def test_r_c9_import_command_shows_progress_only_on_a_terminal(reference, tmp_path):
    path = tmp_path / "source.jsonl"
    path.write_text(_lines(person_payload(), person_payload(), person_payload()))
    _out, bar = _import(path, stderr=_Terminal())
    assert "Import: 100%" in bar and "3/3" in bar and "Zeilen/s" in bar
    assert "\r" in bar  # redrawn in place
    path.write_text(_lines(person_payload()))
    out, plain = _import(path)
    assert plain == ""
    assert out.strip() == "1 Datensatz importiert, 0 Zeilen abgelehnt."


@pytest.mark.django_db
def test_r_c9_import_command_unknown_officer_fails(reference, tmp_path):
    path = tmp_path / "source.jsonl"
    path.write_text(_lines(person_payload()))
    with pytest.raises(CommandError, match="officer|Kennung"):
        call_command("import_records", str(path), "--as", "nobody", stdout=io.StringIO())
    assert Record.objects.count() == 0


# The real command line: exit status and streams of `manage.py import_records` as a process,
# against this run's test database (committed data: the subprocess has its own connection).


def _manage_env() -> dict[str, str]:
    parts = urlsplit(os.environ["DATABASE_URL"])
    database_url = urlunsplit(parts._replace(path="/" + str(connection.settings_dict["NAME"])))
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "verbund.settings.test",
        "DATABASE_URL": database_url,
    }


@pytest.fixture
def committed_officers(audit_truncate_allowed: None) -> None:
    reference_data_ensure()
    demo_officers(PASSWORD)


@pytest.mark.django_db(transaction=True)
def test_r_c9_import_process_exits_1_and_reports_lines_without_a_bar_when_piped(
    committed_officers: None, tmp_path: Path
) -> None:
    path = tmp_path / "source.jsonl"
    path.write_text(_lines(person_payload(), person_payload(case_group="advocating")))
    result = subprocess.run(
        [sys.executable, "manage.py", "import_records", str(path), "--as", "bka.analyst"],
        cwd=ROOT,
        env=_manage_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "Zeile 2: invalid_case_group (case_group: " in result.stderr
    assert "CommandError: 1 Zeile abgelehnt" in result.stderr
    assert "%|" not in result.stderr and "\r" not in result.stderr  # no bar when piped
    assert result.stdout.strip() == "1 Datensatz importiert, 1 Zeilen abgelehnt."
    assert Record.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_r_c9_import_process_shows_a_progress_bar_in_a_terminal(
    committed_officers: None, tmp_path: Path
) -> None:
    """In a pseudo-terminal the bar is drawn; a clean import still exits 0."""
    path = tmp_path / "source.jsonl"
    path.write_text(_lines(*(person_payload() for _ in range(5))))
    primary, secondary = pty.openpty()
    # A fresh pseudo-terminal measures 0x0; give it a real window size (24 x 100).
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_records", str(path), "--as", "bka.analyst"],
        cwd=ROOT,
        env=_manage_env(),
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert process.wait(timeout=120) == 0
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "Import: 100%" in screen and "5/5" in screen
    assert "5 Datensätze importiert, 0 Zeilen abgelehnt." in screen
    assert Record.objects.count() == 5
