"""Settings packages: base, dev (make run), test (make test), prod."""
