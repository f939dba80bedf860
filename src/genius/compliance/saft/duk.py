"""ANAF's DUKIntegrator as an optional second opinion on a D406 file (``GENIUS_DUK_JAR``).

The command line (positional; ANAF's ``Instructiuni.txt``)::

    java -jar DUKIntegrator.jar -v <form> <file.xml> <error-file> <option>

with ``form`` ``D406`` (``D406T`` for the test variant's namespace) and ``option`` ``0``. The jar's
per-form validators live in its ``lib/`` folder next to it. It **always exits 0**: the verdict is the
error file it writes — the single word ``ok`` when the file passes, otherwise lines starting ``E:``
(errors) or ``W:`` (warnings), each possibly followed by indented detail lines (``eroare regula: R25:
…``). It is written in the platform's encoding (UTF-8 or cp1250). ``parse_error_file`` turns that
text into findings (rule ``DUK`` or ``DUK-<rule>``, fatal for ``E:``, warning for ``W:``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from genius.compliance.common.findings import Finding, Severity
from genius.compliance.saft.audit_file import NS_D406T

DEFAULT_TIMEOUT = 900.0
_RULE_RE = re.compile(r"regula\s*:?\s*([A-Za-z]*\d+[A-Za-z0-9_.-]*)", re.IGNORECASE)


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1250", errors="replace")


def parse_error_file(text: str) -> list[Finding]:
    """Findings from DUKIntegrator's error file (``ok`` → none)."""
    if text.strip().lower() == "ok":
        return []
    entries: list[tuple[Severity, list[str]]] = []
    for raw_line in text.splitlines():
        if not raw_line.strip():
            continue
        line = raw_line.rstrip()
        head = line.lstrip()[:2].upper()
        if head in ("E:", "W:") and not line[:1].isspace():
            entries.append(("fatal" if head == "E:" else "warning", [line.lstrip()[2:].strip()]))
        elif entries and line[:1].isspace():
            entries[-1][1].append(line.strip())
        else:  # text outside the documented shape is still DUK's verdict: keep it as an error
            entries.append(("fatal", [line.strip()]))
    findings = []
    for severity, parts in entries:
        message = " ".join(p for p in parts if p) or "DUKIntegrator reported an error"
        match = _RULE_RE.search(message)
        rule = f"DUK-{match.group(1)}" if match else "DUK"
        findings.append(Finding(rule, severity, "/", message))
    return findings


def form_of(namespace: str | None) -> str:
    return "D406T" if namespace == NS_D406T else "D406"


def java_binary() -> str | None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    return shutil.which("java")


def run(
    xml: bytes, jar: Path, *, form: str = "D406", option: str = "0", timeout: float = DEFAULT_TIMEOUT
) -> list[Finding]:
    """Run DUKIntegrator on ``xml`` and return its findings (problems running it are findings too)."""
    if not jar.is_file():
        return [Finding("DUK", "fatal", "/", f"DUKIntegrator jar not found at {jar}")]
    java = java_binary()
    if java is None:
        return [Finding("DUK", "fatal", "/", "java is not installed (needed by DUKIntegrator)")]
    with tempfile.TemporaryDirectory(prefix="genius-duk-") as tmp:
        xml_path = Path(tmp) / f"{form}.xml"
        err_path = Path(tmp) / f"{form}.err.txt"
        xml_path.write_bytes(xml)
        try:
            done = subprocess.run(
                [java, "-jar", str(jar), "-v", form, str(xml_path), str(err_path), option],
                cwd=jar.parent,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return [Finding("DUK", "fatal", "/", f"DUKIntegrator did not finish within {timeout:.0f} s")]
        except OSError as exc:
            return [Finding("DUK", "fatal", "/", f"cannot run java: {exc}")]
        if not err_path.is_file():
            said = decode(done.stdout + done.stderr).strip()[-500:]
            return [Finding("DUK", "fatal", "/", f"DUKIntegrator wrote no error file: {said or 'no output'}")]
        return parse_error_file(decode(err_path.read_bytes()))


def check_installation(jar: Path, timeout: float = 30.0) -> str:
    """For the health check: the jar exists and java starts. Raises ``RuntimeError`` otherwise."""
    if not jar.is_file():
        raise RuntimeError(f"DUKIntegrator jar not found at {jar}")
    java = java_binary()
    if java is None:
        raise RuntimeError("java is not installed (needed by DUKIntegrator)")
    try:
        done = subprocess.run([java, "-version"], capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"java does not start: {exc}") from exc
    if done.returncode != 0:
        raise RuntimeError(f"java -version exited {done.returncode}")
    version = decode(done.stderr + done.stdout).strip().splitlines()
    return f"DUKIntegrator {jar.name} with {version[0] if version else 'java'}"
