"""The lead state machine (F2.11): which moves a journey may make, as data, with no I/O.

``COLD → CONTACTED_WA | CONTACTED_EMAIL → WARM_REPLY → NEGOTIATION → CONVERTED``. A contacted lead may
be contacted on the other channel too. Any live state may go ``DEAD`` or ``PAUSED``; a paused journey
resumes only to the state it was paused from (or dies). ``CONVERTED`` and ``DEAD`` are final.
"""

from __future__ import annotations

from genius.outreach.models import LeadState

S = LeadState

FORWARD: dict[LeadState, frozenset[LeadState]] = {
    S.COLD: frozenset({S.CONTACTED_WA, S.CONTACTED_EMAIL}),
    S.CONTACTED_WA: frozenset({S.CONTACTED_EMAIL, S.WARM_REPLY}),
    S.CONTACTED_EMAIL: frozenset({S.CONTACTED_WA, S.WARM_REPLY}),
    S.WARM_REPLY: frozenset({S.NEGOTIATION}),
    S.NEGOTIATION: frozenset({S.CONVERTED}),
    S.CONVERTED: frozenset(),
    S.DEAD: frozenset(),
    S.PAUSED: frozenset(),
}
FINAL = frozenset({S.CONVERTED, S.DEAD})
LIVE = frozenset(set(S) - FINAL - {S.PAUSED})


class IllegalTransition(ValueError):
    def __init__(self, current: LeadState, target: LeadState) -> None:
        super().__init__(f"a journey in {current.value} cannot move to {target.value}")
        self.current = current
        self.target = target


def allowed_targets(current: LeadState, paused_from: LeadState | None = None) -> frozenset[LeadState]:
    """The states a journey in ``current`` may move to (``paused_from``: the state a PAUSED one left)."""
    if current in FINAL:
        return frozenset()
    if current is S.PAUSED:
        back = {paused_from} if paused_from is not None and paused_from in LIVE else set()
        return frozenset(back | {S.DEAD})
    return FORWARD[current] | {S.DEAD, S.PAUSED}


def check(current: LeadState, target: LeadState, paused_from: LeadState | None = None) -> None:
    """Raise ``IllegalTransition`` unless ``current → target`` is allowed."""
    if target not in allowed_targets(current, paused_from):
        raise IllegalTransition(current, target)
