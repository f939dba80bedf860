"""schemathesis over the segment operations and the campaign audience (the full run, tests/core/test_fuzz.py,
covers them too): no input gives a server error, and data the schema allows is accepted."""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI

from tests.fuzzing import fuzz, label_of, load_schema, operations


def test_segments_no_server_errors_and_valid_data_accepted(app: FastAPI, tenant: Any, db: Any) -> None:
    ops = [
        op
        for op in operations(load_schema(app), ["/v1/crm/"])
        if "/segments" in op.path or op.path.endswith("/audience") or label_of(op) == "POST /v1/crm/campaigns"
    ]
    assert len(ops) >= 8
    failures = fuzz(ops, tenant.headers, max_examples=int(os.environ.get("SEGMENT_FUZZ_EXAMPLES", "30")))
    assert not failures, "\n".join(failures)
