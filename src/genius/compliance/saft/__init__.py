"""Compliance: saft."""
