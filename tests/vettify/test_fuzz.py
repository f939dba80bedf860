"""schemathesis over the CRM operations only: no input gives a server error, and data the schema allows
is accepted (statuses and the allow-list in `tests/fuzzing.py`)."""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI

from tests.fuzzing import fuzz, load_schema, operations


def test_crm_no_server_errors_and_valid_data_accepted(app: FastAPI, tenant: Any, db: Any) -> None:
    crm_ops = operations(load_schema(app), ["/v1/crm/"])
    assert len(crm_ops) >= 25
    failures = fuzz(crm_ops, tenant.headers, max_examples=int(os.environ.get("CRM_FUZZ_EXAMPLES", "8")))
    assert not failures, "\n".join(failures)
