"""Outreach sequences: templates (spintax, A/B versions), sequences and their steps, enrollments and the
scheduler that walks them."""
