"""Differential tests: signal-api against the original binary."""
