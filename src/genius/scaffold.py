"""``genius scaffold worker --tag X``: a working worker folder (task, deep health check, tests).

Generates, from the templates in ``scaffold_templates/worker``:

* ``src/genius/workers/<pkg>/{__init__,schemas,tasks}.py``: the task ``<tag>.process`` (Pydantic-validated,
  idempotent through ``idempotency.once``) and ``health()``;
* ``tests/workers/test_<pkg>.py``: the task end to end on a real worker, and the health check;

and registers the worker in ``src/genius/workers/fleet.py``: ``module="genius.workers.<pkg>.tasks"`` on
the tag's ``WorkerTag(...)`` (or a new entry before ``registry``), which puts the tasks into Celery and
the health check into the registry. ``<pkg>`` is the tag with dots as underscores.

Everything is checked before anything is written; the fleet is edited last. The generated code and the
edited fleet pass ``ruff check``, ``ruff format --check`` and ``mypy`` as generated.
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import tokenize
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).resolve().parent / "scaffold_templates" / "worker"
TAG_RE = re.compile(r"^[a-z][a-z0-9]*(\.[a-z][a-z0-9]*)*$")
MAX_TAG = 64
MAX_DESCRIPTION = 100
LINE_LENGTH = 110  # [tool.ruff] line-length
FLEET_FILE = Path("src/genius/workers/fleet.py")
WORKERS_DIR = Path("src/genius/workers")
TESTS_DIR = Path("tests/workers")

# Renders Python source, not HTML: nothing is escaped.
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,  # noqa: S701
)


class ScaffoldError(ValueError):
    """The worker cannot be scaffolded as asked; nothing was written."""


def package_name(tag: str) -> str:
    """``image.resize`` → ``image_resize``, after checking the tag."""
    if not isinstance(tag, str) or not tag:
        raise ScaffoldError("the tag is empty")
    if len(tag) > MAX_TAG:
        raise ScaffoldError(f"tag {tag[:80]!r} is longer than {MAX_TAG} characters")
    if not TAG_RE.fullmatch(tag):
        raise ScaffoldError(
            f"invalid tag {tag!r}: lower-case words of letters and digits, each starting with a letter, "
            "joined by dots (e.g. image.resize)"
        )
    pkg = tag.replace(".", "_")
    if keyword.iskeyword(pkg) or keyword.issoftkeyword(pkg):
        raise ScaffoldError(f"tag {tag!r} would make the package {pkg!r}, a Python keyword")
    return pkg


def check_description(description: str) -> str:
    text = description.strip()
    if not text:
        raise ScaffoldError("the description is empty")
    if len(text) > MAX_DESCRIPTION:
        raise ScaffoldError(f"the description is longer than {MAX_DESCRIPTION} characters")
    bad = [c for c in text if c in '"\\' or (c != " " and unicodedata.category(c)[0] in "CZ")]
    if bad:
        raise ScaffoldError(f"the description may not contain {''.join(sorted(set(bad)))!r}")
    return text


# --- fleet.py ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FleetEntry:
    tag: str
    description: str | None
    module: str | None  # the module= argument when it is a string (None when absent or None)
    has_module: bool  # module= given and not None
    call: ast.Call


def _fleet_list(tree: ast.Module) -> ast.List:
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        value = node.value
        if any(isinstance(t, ast.Name) and t.id == "FLEET" for t in targets) and isinstance(value, ast.List):
            return value
    raise ScaffoldError("fleet.py has no `FLEET = [...]` list")


def _arg(call: ast.Call, position: int, name: str) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == name), None)


def _str(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def fleet_entries(source: str) -> list[FleetEntry]:
    """The ``WorkerTag("<tag>", ...)`` calls of ``FLEET``, read from fleet.py's source (not imported)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ScaffoldError(f"fleet.py does not parse: {exc}") from exc
    entries = []
    for elt in _fleet_list(tree).elts:
        if not (isinstance(elt, ast.Call) and isinstance(elt.func, ast.Name) and elt.func.id == "WorkerTag"):
            continue
        tag = _str(_arg(elt, 0, "tag"))
        if tag is None:
            continue
        module = _arg(elt, 2, "module")
        has_module = module is not None and not (isinstance(module, ast.Constant) and module.value is None)
        entries.append(FleetEntry(tag, _str(_arg(elt, 1, "description")), _str(module), has_module, elt))
    return entries


def _py_str(value: str) -> str:
    """A double-quoted literal, as ruff format writes it (descriptions never hold quotes or backslashes)."""
    return '"' + value + '"'


def _format_call(parts: list[str], indent: str, suffix: str, exploded: bool = False) -> str:
    """``WorkerTag(...)`` laid out as ``ruff format`` does: flat if it fits, else the arguments on one
    indented line, else (or when the call had a magic trailing comma) one per line with a trailing comma."""
    flat = f"WorkerTag({', '.join(parts)})"
    if not exploded and len(indent) + len(flat) + len(suffix) <= LINE_LENGTH:
        return flat
    inner = indent + "    " + ", ".join(parts)
    if not exploded and len(inner) <= LINE_LENGTH:
        return f"WorkerTag(\n{inner}\n{indent})"
    return "WorkerTag(\n" + "".join(f"{indent}    {p},\n" for p in parts) + f"{indent})"


def _char_offset(lines: list[str], lineno: int, col_bytes: int) -> int:
    """ast positions are (1-based line, UTF-8 byte column); this is the index in the source string."""
    before = sum(len(line) for line in lines[: lineno - 1])
    return before + len(lines[lineno - 1].encode("utf-8")[:col_bytes].decode("utf-8"))


def _has_comment(source: str, start: tuple[int, int], end: tuple[int, int]) -> bool:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return any(t.type == tokenize.COMMENT and start <= t.start <= end for t in tokens)


def _segment(source: str, node: ast.AST) -> str:
    text = ast.get_source_segment(source, node)
    if text is None or "\n" in text:
        raise ScaffoldError("fleet.py: a WorkerTag argument spans lines; set module= by hand")
    return text


def _line_prefix(lines: list[str], lineno: int, col_bytes: int) -> str:
    return lines[lineno - 1].encode("utf-8")[:col_bytes].decode("utf-8")


def edit_fleet(source: str, tag: str, module: str, description: str) -> str:
    """fleet.py with ``module=`` set on ``tag``'s entry, or with a new entry for it (before ``registry``,
    else at the end). Raises ScaffoldError if the tag is implemented already or the file is not laid out
    as expected."""
    lines = source.splitlines(keepends=True)
    entries = fleet_entries(source)
    found = next((e for e in entries if e.tag == tag), None)
    module_kw = f"module={_py_str(module)}"
    if found is None:
        taken = [e.tag for e in entries if tag.startswith(e.tag + ".")]
        if taken:
            raise ScaffoldError(
                f"tag {tag!r} would take over task names of the queue {taken[-1]!r}; choose another tag"
            )
        new = _append_entry(source, entries, [_py_str(tag), _py_str(description), module_kw])
    else:
        if found.has_module:
            raise ScaffoldError(f"tag {tag!r} is already implemented (module={found.module or '...'})")
        call = found.call
        assert call.end_lineno is not None and call.end_col_offset is not None
        indent = _line_prefix(lines, call.lineno, call.col_offset)
        if indent.strip():
            raise ScaffoldError(f"fleet.py: the WorkerTag({tag!r}) entry does not start its line")
        if _has_comment(source, (call.lineno, call.col_offset), (call.end_lineno, call.end_col_offset)):
            raise ScaffoldError(f"fleet.py: the WorkerTag({tag!r}) entry holds comments; set module= by hand")
        if any(k.arg is None for k in call.keywords):
            raise ScaffoldError(f"fleet.py: the WorkerTag({tag!r}) entry uses **kwargs; set module= by hand")
        positional = [_segment(source, a) for a in call.args]
        named = [(k.arg, f"{k.arg}={_segment(source, k.value)}") for k in call.keywords]
        head = [text for name, text in named if name in ("tag", "description")]
        rest = [text for name, text in named if name not in ("tag", "description", "module")]
        if len(positional) > 2:  # module given positionally (as None): replace it in place
            positional[2] = _py_str(module)
            parts = positional + head + rest
        else:
            parts = positional + head + [module_kw] + rest
        end_line = lines[call.end_lineno - 1]
        suffix = end_line[len(_line_prefix(lines, call.end_lineno, call.end_col_offset)) :]
        start = _char_offset(lines, call.lineno, call.col_offset)
        end = _char_offset(lines, call.end_lineno, call.end_col_offset)
        last = max([*call.args, *(k.value for k in call.keywords)], key=lambda n: (n.lineno, n.col_offset))
        assert last.end_lineno is not None and last.end_col_offset is not None
        magic_comma = "," in source[_char_offset(lines, last.end_lineno, last.end_col_offset) : end]
        text = _format_call(parts, indent, suffix.rstrip("\r\n"), exploded=magic_comma)
        new = source[:start] + text + source[end:]
    _check_fleet(new, tag, module)
    return new


def _append_entry(source: str, entries: list[FleetEntry], parts: list[str]) -> str:
    """A new entry on lines of its own: before the ``registry`` entry, else before FLEET's ``]``."""
    lines = source.splitlines(keepends=True)
    registry = next((e for e in entries if e.tag == "registry"), None)
    if registry is not None:
        at_line = registry.call.lineno
        indent = _line_prefix(lines, at_line, registry.call.col_offset)
        if indent.strip():
            raise ScaffoldError("fleet.py: the registry entry does not start its line")
    else:
        fleet = _fleet_list(ast.parse(source))
        assert fleet.end_lineno is not None
        at_line = fleet.end_lineno
        if lines[at_line - 1].strip() != "]":
            raise ScaffoldError("fleet.py: FLEET's closing ] is not on a line of its own")
        indent = " " * 4
        if fleet.elts:
            last = fleet.elts[-1]
            assert last.end_lineno is not None and last.end_col_offset is not None
            indent = _line_prefix(lines, last.lineno, last.col_offset)
            if indent.strip():
                raise ScaffoldError("fleet.py: FLEET's last entry does not start its line")
            after = _char_offset(lines, last.end_lineno, last.end_col_offset)
            closing = sum(map(len, lines[: at_line - 1]))
            if "," not in source[after:closing]:  # the last entry gets its trailing comma
                source = source[:after] + "," + source[after:]
                lines = source.splitlines(keepends=True)
    entry = indent + _format_call(parts, indent, ",") + ",\n"
    return "".join(lines[: at_line - 1]) + entry + "".join(lines[at_line - 1 :])


def _check_fleet(source: str, tag: str, module: str) -> None:
    """The edited source parses and registers the module: a safety net, not a check of the input."""
    try:
        ok = any(e.tag == tag and e.module == module for e in fleet_entries(source))
    except ScaffoldError as exc:
        raise ScaffoldError(f"editing fleet.py went wrong ({exc}); nothing was written") from None
    if not ok:
        raise ScaffoldError("editing fleet.py went wrong; nothing was written")


# --- the scaffold ------------------------------------------------------------------------------------
def render(name: str, **context: object) -> str:
    return _env.get_template(name).render(**context)


def scaffold_worker(tag: str, root: Path, description: str | None = None, force: bool = False) -> list[Path]:
    """Generate the worker of ``tag`` under the repository ``root``; returns the files written (the
    generated ones, then fleet.py). Raises ScaffoldError, having written nothing, when the tag is invalid
    or implemented already, or (unless ``force``) when its package folder or test file exists."""
    pkg = package_name(tag)
    root = Path(root)
    fleet_path = root / FLEET_FILE
    if not fleet_path.is_file():
        raise ScaffoldError(f"{fleet_path} not found: --root must be a GeniusERP checkout")
    workers = root / WORKERS_DIR
    package = workers / pkg
    test_file = root / TESTS_DIR / f"test_{pkg}.py"
    if (workers / f"{pkg}.py").exists():
        raise ScaffoldError(f"tag {tag!r} would make the package {pkg!r}, which clashes with {pkg}.py")
    source = fleet_path.read_text(encoding="utf-8")
    entry = next((e for e in fleet_entries(source) if e.tag == tag), None)
    if entry is not None and entry.has_module:
        raise ScaffoldError(f"tag {tag!r} is already implemented (module={entry.module or '...'})")
    if not force:
        for existing in (package, test_file):
            if existing.exists():
                raise ScaffoldError(f"{existing} exists; use --force to overwrite the generated files")
    if description is None:
        description = entry.description if entry is not None and entry.description else f"Worker {tag}"
    text = check_description(description)
    module = f"genius.workers.{pkg}.tasks"
    new_fleet = edit_fleet(source, tag, module, text)
    context = {
        "tag": tag,
        "pkg": pkg,
        "description": text if text.endswith((".", "!", "?")) else text + ".",
        # ruff's isort: first-party modules sorted by name
        "schemas_first": f"genius.workers.{pkg}" < "genius.workers.celery_app",
    }
    files = {
        package / "__init__.py": render("__init__.py.j2", **context),
        package / "schemas.py": render("schemas.py.j2", **context),
        package / "tasks.py": render("tasks.py.j2", **context),
        test_file: render("test_worker.py.j2", **context),
    }
    written = []
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    fleet_path.write_text(new_fleet, encoding="utf-8")
    written.append(fleet_path)
    return written
