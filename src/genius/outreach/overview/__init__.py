"""The outreach overview: the phone portfolio with today's usage, KPIs, the funnel and recent activity."""
