"""Administration: units, users and the portal-wide audit log."""
