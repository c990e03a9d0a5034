"""Exports started from the window (PDF report)."""
