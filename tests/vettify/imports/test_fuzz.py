"""schemathesis over the import operations: no input (multipart, mapping bodies, ids) gives a 5xx."""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.vettify.imports.conftest import Imports


def test_import_operations_never_fail_with_5xx(app: FastAPI, imports: Imports, db: Any) -> None:
    imports.uploaded(b"Nume;Email\nPop;pop@exemplu.ro\n")  # so listings and mappings have something
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations()]
    ours = [op for op in operations if op.path.startswith(("/v1/crm/imports", "/v1/crm/import-mappings"))]
    assert len(ours) == 9
    failures: list[str] = []
    for operation in ours:
        label = f"{operation.method.upper()} {operation.path}"

        @given(case=operation.as_strategy())
        @settings(
            max_examples=int(os.environ.get("CRM_FUZZ_EXAMPLES", "25")),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case: Any) -> None:
            response = case.call(headers=imports.headers)
            if response.status_code >= 500:
                failures.append(f"{label}: {response.status_code} {response.text[:300]}")
            case.validate_response(response, checks=[not_a_server_error])

        run()
    assert not failures, failures
