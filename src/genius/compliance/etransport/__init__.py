"""Compliance: etransport."""
