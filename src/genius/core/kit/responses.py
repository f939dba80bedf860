"""Responses for models a service has already validated."""

from __future__ import annotations

from fastapi.responses import Response
from pydantic import BaseModel


def model_json(model: BaseModel, status_code: int = 200) -> Response:
    """``model`` as JSON, exactly as FastAPI's ``response_model`` would write it (aliases, no field
    left out). FastAPI validates a returned model again against the response model first: for a page of
    20 leads with their companies that was 0.5 ms of a 5 ms request. Keep ``response_model`` on the
    route for the OpenAPI schema; return this only with an instance of that very model."""
    return Response(model.model_dump_json(by_alias=True), status_code, media_type="application/json")
