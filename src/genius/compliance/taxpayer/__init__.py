"""Compliance: taxpayer."""
