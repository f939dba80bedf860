"""Protocol-faithful local stand-ins for the outreach providers (tests and `genius demo`)."""
