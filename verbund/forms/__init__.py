"""Browser forms (parse input into service payloads; no entry rules here)."""
