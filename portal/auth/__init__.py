"""Logging in and out, passwords, throttling and the language switch."""
