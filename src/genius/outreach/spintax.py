"""Spintax and template variables, pure functions (no I/O).

* **Spintax**: ``{a|b|{c|d}}`` picks one alternative per group, groups nest. ``{{name}}`` is a variable,
  never a group. ``\\{``, ``\\|``, ``\\}`` are the literal characters, and ``{{x}}``
  is always the variable x, never a one-alternative group. The choice is made by a
  ``random.Random`` seeded from ``seed`` (``seed_for(lead, step)``): the same lead and step always get
  the same text, so a retried send repeats the message it tried.
* **Variables**: ``{{first_name}}`` (letters, digits, ``_``, ``.``). A template declares its variables
  with a ``required`` flag and an optional ``default``; ``render`` refuses (``MissingVariables``, naming
  every missing one) when a required variable has no value. A variable used in the content but not
  declared counts as required.

Spinning happens before the variables are filled in, so a value holding ``{`` or ``|`` is never spun.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

VAR = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]{0,63})\s*\}\}")
MAX_DEPTH = 20


class SpintaxError(ValueError):
    """The text is not valid spintax (unbalanced braces, a bad variable, nesting too deep)."""


class MissingVariables(ValueError):
    def __init__(self, names: Iterable[str]) -> None:
        self.names = sorted(set(names))
        super().__init__("missing required variables: " + ", ".join(self.names))


@dataclass(frozen=True)
class Variable:
    name: str
    required: bool = True
    default: str | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Variable:
        default = raw.get("default")
        return cls(
            str(raw["name"]), bool(raw.get("required", True)), None if default is None else str(default)
        )


# --- parsing -------------------------------------------------------------------------------------------
# A parsed text is a list of nodes: a str (literal, variables kept as written) or a list of
# alternatives, each itself a list of nodes.
Node = str | list[list[Any]]


def parse(text: str) -> list[Node]:
    """The text's tree; ``SpintaxError`` for unbalanced braces or nesting deeper than ``MAX_DEPTH``."""
    pos = 0
    n = len(text)

    def alternatives(depth: int) -> list[list[Node]]:
        nonlocal pos
        if depth > MAX_DEPTH:
            raise SpintaxError(f"spintax nested deeper than {MAX_DEPTH} levels")
        alts: list[list[Node]] = [[]]
        while pos < n:
            nodes, stop = sequence(depth, inside=True)
            alts[-1].extend(nodes)
            if stop == "|":
                alts.append([])
            elif stop == "}":
                return alts
        raise SpintaxError("unclosed '{' in the text")

    def sequence(depth: int, *, inside: bool) -> tuple[list[Node], str | None]:
        nonlocal pos
        out: list[Node] = []
        buf: list[str] = []
        while pos < n:
            ch = text[pos]
            if ch == "\\" and pos + 1 < n and text[pos + 1] in "{}|\\":
                buf.append(text[pos + 1])
                pos += 2
                continue
            m = VAR.match(text, pos) if ch == "{" else None
            if m is not None:  # {{name}}: a variable, kept for ``fill``
                buf.append(f"{{{{{m.group(1)}}}}}")
                pos = m.end()
                continue
            if ch == "{":
                pos += 1
                if buf:
                    out.append("".join(buf))
                    buf = []
                out.append(alternatives(depth + 1))
                continue
            if inside and ch in "|}":
                pos += 1
                if buf:
                    out.append("".join(buf))
                return out, ch
            if ch == "}":
                raise SpintaxError(f"'}}' at {pos} closes nothing")
            buf.append(ch)
            pos += 1
        if buf:
            out.append("".join(buf))
        return out, None

    nodes, _ = sequence(0, inside=False)
    return nodes


def validate(text: str) -> set[str]:
    """Check the text parses; return the variables it uses."""
    parse(text)
    return variables_in(text)


def variables_in(text: str) -> set[str]:
    return {m.group(1) for m in VAR.finditer(text)}


# --- spinning and rendering ------------------------------------------------------------------------------
def seed_for(*parts: object) -> int:
    """A stable seed from the parts (lead id, step…): the same on every machine and Python run."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def spin(text: str, seed: int) -> str:
    """One variant of the text: each group's alternative picked in reading order from ``seed``."""
    rng = random.Random(seed)  # variety, not secrecy

    def walk(nodes: list[Node]) -> str:
        parts: list[str] = []
        for node in nodes:
            if isinstance(node, str):
                parts.append(node)
            else:
                parts.append(walk(node[rng.randrange(len(node))]))
        return "".join(parts)

    return walk(parse(text))


def variants(text: str) -> set[str]:
    """Every text the spintax can produce (for tests and previews of small templates)."""

    def walk(nodes: list[Node]) -> set[str]:
        acc = {""}
        for node in nodes:
            options = {node} if isinstance(node, str) else set().union(*(walk(alt) for alt in node))
            acc = {a + o for a in acc for o in options}
        return acc

    return walk(parse(text))


def missing(declared: Iterable[Variable], used: Iterable[str], values: Mapping[str, Any]) -> list[str]:
    """The required variables (declared required, or used without being declared) with no value."""
    known = {v.name: v for v in declared}
    names = set(used) | {v.name for v in known.values() if v.required}
    out = []
    for name in names:
        var = known.get(name, Variable(name))
        if _blank(values.get(name)) and (var.default is None) and var.required:
            out.append(name)
    return sorted(out)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def fill(text: str, declared: Iterable[Variable], values: Mapping[str, Any]) -> str:
    """Replace every ``{{name}}``: the value, else the declared default, else '' (optional ones)."""
    known = {v.name: v for v in declared}

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        value = values.get(name)
        if _blank(value):
            var = known.get(name)
            return var.default if var is not None and var.default is not None else ""
        return str(value)

    return VAR.sub(sub, text)


def render(text: str, declared: Iterable[Variable], values: Mapping[str, Any], seed: int) -> str:
    """Spin with ``seed`` then fill the variables; ``MissingVariables`` before anything is produced."""
    declared = list(declared)
    lacking = missing(declared, variables_in(text), values)
    if lacking:
        raise MissingVariables(lacking)
    return fill(spin(text, seed), declared, values)
