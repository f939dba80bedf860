"""Outreach channel clients (TimelinesAI for WhatsApp) and their send tasks."""
