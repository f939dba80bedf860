"""Every SQL statement of REGES: the submissions (tenant sessions; RLS applies). All of them are the
statements every submission table shares."""

from __future__ import annotations

from genius.compliance.common.repository import SubmissionRepository
from genius.compliance.reges.models import RegesSubmission

submissions = SubmissionRepository(RegesSubmission)
