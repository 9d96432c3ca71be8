"""Outbound HTTP: the dispatcher, its SSRF guard and webhook signing."""
