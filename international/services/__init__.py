"""Services of international exchange (R-N1-N3)."""
