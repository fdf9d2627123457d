"""Plugins bundled with the portal (installed as ``portal.bundled_plugins``)."""
