"""Browser tests use ``audit_truncate_allowed`` from tests/conftest.py."""
