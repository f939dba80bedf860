"""Segments: saved, typed filters over contacts or leads (migration 0034), compiled to SQL by
``segments.repository``; a campaign may target one (its send snapshots the matches)."""
