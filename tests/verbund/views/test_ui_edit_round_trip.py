"""The edit page saved unchanged leaves the record as it is (lists, line breaks, conflicts)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from agencies.models import Officer
from tests.conftest import person_payload
from verbund.models import Record

pytestmark = pytest.mark.django_db

FREE_TEXT = "\n".join(f"Zeile {i:02d}, " + "x" * 87 for i in range(21))[:2000]


class FormValues(HTMLParser):
    """Collect what a browser would submit for the form with id ``record-form``."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.values: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text = ""
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen: str | None = None
        self._option_value: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form" and a.get("id") == "record-form":
            self.inside = True
        if not self.inside or "disabled" in a:
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button") or "name" not in a:
                return
            self.values.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], ""
        elif tag == "select":
            self._select, self._select_first, self._select_chosen = a["name"], None, None
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._select_chosen = value

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            # HTML drops one line feed right after <textarea>; browsers send CR LF breaks.
            text = self._text[1:] if self._text.startswith("\n") else self._text
            self.values.append((self._textarea, text.replace("\n", "\r\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = self._select_chosen if self._select_chosen is not None else self._select_first
            self.values.append((self._select, chosen or ""))
            self._select = None


def _post_data(html: str) -> dict[str, list[str]]:
    parser = FormValues()
    parser.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in parser.values:
        data.setdefault(name, []).append(value)
    return data


def _snapshot(record: Record) -> dict[str, Any]:
    return {
        "basic": record.basic,
        "extended": record.extended,
        "storage": record.storage,
        "case_group": record.case_group,
        "findings_basis": record.findings_basis,
        "file_number": record.file_number,
        "classification": record.classification,
        "review_date": record.review_date,
        "deletion_date": record.deletion_date,
    }


def test_ui_edit_page_saved_unchanged_keeps_lists_with_commas_and_free_text(
    api: Any, reference: dict[str, Any]
) -> None:
    assert len(FREE_TEXT) == 2000 and FREE_TEXT.count("\n") == 20
    payload = person_payload(
        basic={
            "surname": "Haddad",
            "given_names": "Youssef",
            "aliases": ["Abu Yusuf, genannt der Lange", "J. H."],
            "spellings": ["Hadad, Y.", "Haddat"],
            "former_names": ["Haddad-Nasser, Youssef"],
            "other_names": ["Der Lange, auch Langer"],
            "languages": ["Arabisch, syrisch", "Deutsch"],
            "dialects": ["Levantinisch, Damaskus"],
            "addresses": ["Hauptstraße 1, 10115 Berlin"],
            "nationalities": ["SY"],
        },
        extended={"free_text": FREE_TEXT},
    )
    created = api("bka.analyst").post("/api/v1/records/", payload, format="json")
    assert created.status_code == 201, created.content
    record = Record.objects.get(pk=created.json()["id"])
    before = _snapshot(record)
    assert before["basic"]["aliases"] == ["Abu Yusuf, genannt der Lange", "J. H."]

    client = Client()
    client.force_login(Officer.objects.get(username="bka.analyst"))
    url = f"/datensaetze/{record.pk}/bearbeiten/"
    page = client.get(url)
    assert page.status_code == 200
    data = _post_data(page.content.decode())
    assert data["aliases"] == ["Abu Yusuf, genannt der Lange\r\nJ. H."]

    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    record.refresh_from_db()
    assert _snapshot(record) == before


def test_ui_edit_form_splits_name_lists_by_line_only(reference: dict[str, Any]) -> None:
    from verbund.forms.records import split_lines

    assert split_lines("Abu A, genannt B\r\nC; D\n\n") == ["Abu A, genannt B", "C; D"]


def test_ui_conflict_on_edit_shows_only_the_conflict_message(
    make_record: Any, reference: dict[str, Any]
) -> None:
    record = make_record()
    client = Client()
    client.force_login(Officer.objects.get(username="bka.analyst"))
    url = f"/datensaetze/{record.pk}/bearbeiten/"
    data = _post_data(client.get(url).content.decode())
    # Someone else changes the record meanwhile.
    other = Client()
    other.force_login(Officer.objects.get(username="bka.analyst"))
    changed = dict(data, given_names=["Ahmed"])
    assert other.post(url, changed).status_code == 302

    response = client.post(url, dict(data, given_names=["Mahmoud"]))
    html = response.content.decode()
    assert response.status_code == 409
    assert "in der Zwischenzeit" in html or "inzwischen" in html
    assert "Bitte korrigieren Sie die markierten Felder" not in html
    assert "has-error" not in html
