"""Compliance: reges."""
