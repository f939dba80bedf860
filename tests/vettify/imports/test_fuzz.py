"""schemathesis over the import operations: no input (multipart, mapping bodies, ids) gives a 5xx, and
data the schema allows is accepted (statuses and the allow-list in `tests/fuzzing.py`)."""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI

from tests.fuzzing import fuzz, load_schema, operations
from tests.vettify.imports.conftest import Imports


def test_import_operations_never_fail_with_5xx_and_accept_valid_data(
    app: FastAPI, imports: Imports, db: Any
) -> None:
    imports.uploaded(b"Nume;Email\nPop;pop@exemplu.ro\n")  # so listings and mappings have something
    ours = operations(load_schema(app), ["/v1/crm/imports", "/v1/crm/import-mappings"])
    assert len(ours) == 9
    failures = fuzz(ours, imports.headers, max_examples=int(os.environ.get("CRM_FUZZ_EXAMPLES", "25")))
    assert not failures, "\n".join(failures)
