"""schemathesis over the CRM operations only: no input may produce a server error."""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error


def test_crm_no_server_errors(app: FastAPI, tenant: Any, db: Any) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations()]
    crm_ops = [op for op in operations if op.path.startswith("/v1/crm/")]
    assert len(crm_ops) >= 25
    failures: list[str] = []
    for operation in crm_ops:
        label = f"{operation.method.upper()} {operation.path}"

        @given(case=operation.as_strategy())
        @settings(
            max_examples=int(os.environ.get("CRM_FUZZ_EXAMPLES", "8")),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case: Any) -> None:
            response = case.call(headers=tenant.headers)
            if response.status_code >= 500:
                failures.append(f"{label}: {response.status_code} {response.text[:300]}")
            case.validate_response(response, checks=[not_a_server_error])

        run()
    assert not failures, failures
