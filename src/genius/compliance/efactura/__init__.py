"""Compliance: efactura."""
