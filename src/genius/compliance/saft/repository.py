"""Every SQL statement of SAF-T: the reports (tenant sessions; RLS applies). All of them are the
statements every submission table shares."""

from __future__ import annotations

from genius.compliance.common.repository import SubmissionRepository
from genius.compliance.saft.models import SaftReport

reports = SubmissionRepository(SaftReport)
