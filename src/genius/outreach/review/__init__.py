"""The human review queue (F2.13): the reviewer's actions, the SLA sweep and the replies they send."""
