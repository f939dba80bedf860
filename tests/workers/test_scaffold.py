"""``genius scaffold worker``: checks and refusals, the fleet edit, and a scaffolded worker that passes
ruff, mypy and its own tests (on a real worker) in a copy of the repository."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from genius.cli import app
from genius.scaffold import FleetEntry, ScaffoldError, edit_fleet, fleet_entries, scaffold_worker

ROOT = Path(__file__).resolve().parents[2]
FLEET = Path("src/genius/workers/fleet.py")
LONGEST_TAG = "abcdefghijklmnop.qrstuvwxyz012345.abcdefghijklmnop.qrstuvwxyz012"


def minimal_root(tmp_path: Path) -> Path:
    """Just enough of a checkout for the generator: fleet.py, the workers' modules and the ruff config."""
    root = tmp_path / "repo"
    workers = root / "src/genius/workers"
    workers.mkdir(parents=True)
    for module in (ROOT / "src/genius/workers").glob("*.py"):
        shutil.copy(module, workers / module.name)
    (root / "tests/workers").mkdir(parents=True)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


# --- checks and refusals -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "tag",
    [
        "",
        "Image.resize",
        "image..resize",
        ".image",
        "image.",
        "1image",
        "image.2x",
        "image-resize",
        "image_resize",
        "image resize",
        "image/resize",
        "imäge",
        "image.resize\n",
        LONGEST_TAG + "h",  # 65 characters
        "import",  # a keyword as package name
        "fleet",  # the package would clash with fleet.py
        "ai.summary.extra",  # would take over task names of the queue ai.summary
        "pdf.render",  # implemented already
    ],
)
def test_bad_tags_are_refused_and_nothing_is_written(tmp_path: Path, tag: str) -> None:
    root = minimal_root(tmp_path)
    before = snapshot(root)
    with pytest.raises(ScaffoldError):
        scaffold_worker(tag, root)
    assert snapshot(root) == before


def test_longest_tag_is_accepted(tmp_path: Path) -> None:
    assert len(LONGEST_TAG) == 64
    written = scaffold_worker(LONGEST_TAG, minimal_root(tmp_path))
    assert written[0].parent.name == LONGEST_TAG.replace(".", "_")


@pytest.mark.parametrize("description", ['say "hi"', "back\\slash", "two\nlines", " ", "x" * 101])
def test_bad_descriptions_are_refused(tmp_path: Path, description: str) -> None:
    root = minimal_root(tmp_path)
    before = snapshot(root)
    with pytest.raises(ScaffoldError, match="description"):
        scaffold_worker("image.resize", root, description=description)
    assert snapshot(root) == before


def test_existing_package_is_refused_unless_forced(tmp_path: Path) -> None:
    root = minimal_root(tmp_path)
    package = root / "src/genius/workers/image_resize"
    package.mkdir()
    (package / "notes.txt").write_text("mine")
    before = snapshot(root)
    with pytest.raises(ScaffoldError, match="exists"):
        scaffold_worker("image.resize", root)
    assert snapshot(root) == before

    written = scaffold_worker("image.resize", root, force=True)
    assert {p.name for p in written} == {
        "__init__.py",
        "schemas.py",
        "tasks.py",
        "test_image_resize.py",
        "fleet.py",
    }
    assert (package / "notes.txt").read_text() == "mine"  # --force overwrites only what it generates
    # Once registered, the tag is implemented: a second run is refused, even with --force.
    with pytest.raises(ScaffoldError, match="already implemented"):
        scaffold_worker("image.resize", root, force=True)


def test_existing_test_file_is_refused(tmp_path: Path) -> None:
    root = minimal_root(tmp_path)
    (root / "tests/workers/test_image_resize.py").write_text("")
    with pytest.raises(ScaffoldError, match=r"test_image_resize\.py exists"):
        scaffold_worker("image.resize", root)
    assert not (root / "src/genius/workers/image_resize").exists()


def test_not_a_checkout(tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match="not found"):
        scaffold_worker("image.resize", tmp_path)


# --- fleet.py --------------------------------------------------------------------------------------------
HEAD = "from genius.workers.fleet import WorkerTag\n\nFLEET: list[WorkerTag] = [\n"
LAYOUTS = {
    "flat": HEAD + '    WorkerTag("image.resize", "Image resizing"),\n    WorkerTag("registry", "R"),\n]\n',
    "hugged": HEAD
    + '    WorkerTag("țesătorie", "Ță"),\n    WorkerTag(\n        "image.resize", "'
    + "x" * 68
    + '", heavy=True\n    ),\n]\n',
    "exploded": HEAD
    + '    WorkerTag(\n        "image.resize",\n        "Image resizing",\n        heavy=True,\n    ),\n]\n',
    "keywords": HEAD
    + '    WorkerTag(tag="image.resize", description="Imagini", module=None, heavy=True),\n]\n',
    "positional none": HEAD + '    WorkerTag("image.resize", "Imagini", None, True),  # later\n]\n',
    "last without comma": HEAD + '    WorkerTag("a", "b"),\n    WorkerTag("c", "d")\n]\n',
    "empty": HEAD + "]\n",
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("tag", ["image.resize", "new.tag", "new.tag" + "x" * 50])
def test_fleet_edit_is_valid_and_ruff_stable(tmp_path: Path, layout: str, tag: str) -> None:
    module = f"genius.workers.{tag.replace('.', '_')}.tasks"
    edited = edit_fleet(LAYOUTS[layout], tag, module, "A description of the worker " + "y" * 40)
    entries = fleet_entries(edited)
    assert [e.module for e in entries if e.tag == tag] == [module]
    before = {e.tag: e.description for e in fleet_entries(LAYOUTS[layout])}
    assert {e.tag: e.description for e in entries if e.tag != tag} == {
        t: d for t, d in before.items() if t != tag
    }
    if "registry" in before and tag not in before:
        assert [e.tag for e in entries][-2:] == [tag, "registry"]
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "fleet.py").write_text(edited, encoding="utf-8")
    checked = ruff("format", "--check", "--diff", "fleet.py", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_fleet_edit_of_the_real_fleet_changes_only_that_entry() -> None:
    source = (ROOT / FLEET).read_text(encoding="utf-8")
    entries = fleet_entries(source)
    entry = next(e for e in entries if not e.has_module)
    module = f"genius.workers.{entry.tag.replace('.', '_')}.tasks"
    edited = edit_fleet(source, entry.tag, module, "unused for a known tag")
    old, new = source.splitlines(), edited.splitlines()
    first, last = entry.call.lineno - 1, entry.call.end_lineno or 0
    grown = len(new) - len(old)
    assert new[:first] == old[:first] and new[last + grown :] == old[last:]
    changed = "\n".join(new[first : last + grown])
    assert f'"{entry.tag}"' in changed and f'module="{module}"' in changed

    def facts(es: list[FleetEntry]) -> list[tuple[str, str | None, str | None]]:
        return [(e.tag, e.description, e.module) for e in es]

    expected = [(t, d, module if t == entry.tag else m) for t, d, m in facts(entries)]
    assert facts(fleet_entries(edited)) == expected


def test_fleet_entry_with_comments_is_left_to_a_human() -> None:
    source = HEAD + '    WorkerTag(\n        "image.resize",  # soon\n        "Image resizing",\n    ),\n]\n'
    with pytest.raises(ScaffoldError, match="comments"):
        edit_fleet(source, "image.resize", "genius.workers.image_resize.tasks", "x")


# --- generated code --------------------------------------------------------------------------------------
@pytest.mark.parametrize("tag", ["a", "ai.summary", "celery", "zz9.top", "image.resize", LONGEST_TAG])
def test_generated_code_is_ruff_clean_for_any_tag(tmp_path: Path, tag: str) -> None:
    root = minimal_root(tmp_path)
    written = [str(p.relative_to(root)) for p in scaffold_worker(tag, root)]
    checked = ruff("check", "--no-cache", *written, cwd=root)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    formatted = ruff("format", "--no-cache", "--check", "--diff", *written, cwd=root)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_cli(tmp_path: Path) -> None:
    root = minimal_root(tmp_path)
    runner = CliRunner()
    result = runner.invoke(
        app, ["scaffold", "worker", "--tag", "ai.summary", "--root", str(root), "--description", "Rezumate"]
    )
    assert result.exit_code == 0, result.output
    assert "created src/genius/workers/ai_summary/tasks.py" in result.output
    assert "created tests/workers/test_ai_summary.py" in result.output
    assert "updated src/genius/workers/fleet.py" in result.output
    assert "genius worker -Q ai.summary" in result.output
    assert "pytest -q tests/workers/test_ai_summary.py" in result.output
    assert "Rezumate." in (root / "src/genius/workers/ai_summary/tasks.py").read_text()
    # The fleet keeps its own description of a known tag.
    assert (
        'WorkerTag("ai.summary", "Summaries", module="genius.workers.ai_summary.tasks")'
        in (root / FLEET).read_text()
    )

    again = runner.invoke(app, ["scaffold", "worker", "--tag", "ai.summary", "--root", str(root)])
    assert again.exit_code == 2 and "already implemented" in again.output
    bad = runner.invoke(app, ["scaffold", "worker", "--tag", "AI", "--root", str(root)])
    assert bad.exit_code == 2 and "invalid tag" in bad.output


# --- end to end --------------------------------------------------------------------------------------------
def run(args: list[str], cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """A child in its own process group, killed whole if it overruns."""
    proc = subprocess.Popen(
        args,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"{' '.join(args)} timed out after {timeout:.0f}s:\n{out[-4000:]}")
    return subprocess.CompletedProcess(args, proc.returncode, out, None)


@pytest.mark.slow
def test_scaffolded_worker_passes_lint_types_and_its_own_tests(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "src", repo / "src", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", repo / "pyproject.toml")
    for name in (
        "tests/__init__.py",
        "tests/conftest.py",
        "tests/workers/__init__.py",
        "tests/workers/conftest.py",
    ):
        if (ROOT / name).exists():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, repo / name)

    written = scaffold_worker("image.resize", repo)
    files = [str(p.relative_to(repo)) for p in written]
    assert files == [
        "src/genius/workers/image_resize/__init__.py",
        "src/genius/workers/image_resize/schemas.py",
        "src/genius/workers/image_resize/tasks.py",
        "tests/workers/test_image_resize.py",
        "src/genius/workers/fleet.py",
    ]

    # The copy's own genius package, its own test services (an embedded Redis under its own data dir).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENIUS_", "PYTEST_"))}
    env.update({k: v for k, v in os.environ.items() if k.startswith("GENIUS_TEST_")})
    env["GENIUS_TEST_DATA_DIR"] = str(tmp_path / "test-data")
    env["PYTHONPATH"] = os.pathsep.join([str(repo / "src"), str(repo)])
    python = sys.executable

    where = run([python, "-c", "import genius; print(genius.__file__)"], repo, env, 60)
    assert where.stdout.strip() == str(repo / "src/genius/__init__.py"), where.stdout

    lint = run([python, "-m", "ruff", "check", "--no-cache", *files], repo, env, 60)
    assert lint.returncode == 0, lint.stdout
    fmt = run([python, "-m", "ruff", "format", "--no-cache", "--check", *files], repo, env, 60)
    assert fmt.returncode == 0, fmt.stdout
    types = run([python, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache"), *files], repo, env, 180)
    assert types.returncode == 0, types.stdout

    tests = run(
        [
            python,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:xdist",
            "-p",
            "no:cacheprovider",
            f"--basetemp={tmp_path / 'child'}",
            "tests/workers/test_image_resize.py",
        ],
        repo,
        env,
        180,
    )
    assert tests.returncode == 0, tests.stdout[-6000:]
    assert "3 passed" in tests.stdout, tests.stdout[-3000:]
