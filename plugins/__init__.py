"""Bundled county plugins: each sub-package (or .py file) here is loaded by portal.plugins by path."""
