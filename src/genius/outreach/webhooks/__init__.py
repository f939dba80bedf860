"""Provider webhooks of outreach: TimelinesAI (WhatsApp), Instantly (cold e-mail), Resend (warm e-mail)."""
