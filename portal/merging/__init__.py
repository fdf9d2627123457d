"""Merging a duplicate investor or project into the one that survives, audited and reversible."""
