"""Event contract files: JSON Schema per topic and version, committed under ``contracts/events/``.

``genius contracts export`` writes them; the contract test regenerates them and fails when the
committed file differs (forgotten export) or when a change is backward-incompatible for consumers
(a property removed or retyped, a new required property, an enum value removed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from genius.core.events.registry import EVENTS

CONTRACTS_DIR = Path(__file__).resolve().parents[4] / "contracts" / "events"


def schema_for(topic: str, version: int) -> dict[str, Any]:
    spec = EVENTS[(topic, version)]
    schema = spec.model.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://genius-erp.ro/contracts/events/{topic}.v{version}.json",
        "title": f"{topic} v{version}",
        "description": spec.description,
        "x-topic": topic,
        "x-version": version,
        "data": schema,
    }


def file_name(topic: str, version: int) -> str:
    return f"{topic}.v{version}.json"


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export(directory: Path = CONTRACTS_DIR) -> list[Path]:
    """Every registered topic's schema (load the modules' events first: ``genius.modules.load_events``)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for topic, version in sorted(EVENTS):
        path = directory / file_name(topic, version)
        path.write_text(render(schema_for(topic, version)))
        written.append(path)
    return written


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return dict(root.get("$defs", {}).get(ref.split("/")[-1], {}))
    return schema


def _type_of(schema: dict[str, Any]) -> Any:
    if "anyOf" in schema:
        return sorted(json.dumps(s.get("type", s.get("$ref")), sort_keys=True) for s in schema["anyOf"])
    return schema.get("type", schema.get("$ref"))


def incompatibilities(old: dict[str, Any], new: dict[str, Any], path: str = "data") -> list[str]:
    """What a consumer built against ``old`` would trip over in ``new``."""
    problems: list[str] = []
    old_root, new_root = old, new

    def walk(o: dict[str, Any], n: dict[str, Any], where: str) -> None:
        o, n = _resolve(o, old_root), _resolve(n, new_root)
        if _type_of(o) != _type_of(n) and not ("anyOf" in n and "anyOf" not in o):
            problems.append(f"{where}: type changed from {_type_of(o)} to {_type_of(n)}")
            return
        if "enum" in o and "enum" in n and not set(o["enum"]) <= set(n["enum"]):
            problems.append(f"{where}: enum values removed {sorted(set(o['enum']) - set(n['enum']))}")
        o_props, n_props = o.get("properties", {}), n.get("properties", {})
        for name in o_props:
            if name not in n_props:
                problems.append(f"{where}.{name}: property removed")
            else:
                walk(o_props[name], n_props[name], f"{where}.{name}")
        for name in set(n.get("required", [])) - set(o.get("required", [])):
            problems.append(f"{where}.{name}: new required property")

    walk(old, new, path)
    return problems
