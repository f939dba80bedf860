"""Cerniq outreach: multi-channel cold outreach over CRM leads (journeys, quota guardian, replies)."""
