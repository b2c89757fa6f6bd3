"""Subject access (Auskunft): requests of data subjects, owners' decisions, the answer (R-K)."""
