"""DUKIntegrator: its error file, and the runner wiring (a stand-in ``java`` script when no JVM).

No JVM and no DUKIntegrator jar are installed on the test machines, so the runner is exercised with a
small ``java`` shell script placed first on PATH that behaves as the documented command line does:
it checks its arguments, writes an error file (``ok`` or ``E:``/``W:`` lines) and exits 0 either way.
ANAF's real validator is not run by these tests.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from genius.compliance.saft import duk, service
from genius.compliance.saft.audit_file import NS_D406, NS_D406T
from genius.compliance.saft.build import from_ledger, to_xml
from genius.config import Settings
from tests.compliance.saft import samples

ERROR_FILE = """E: validari globale
    eroare regula: R25: suma debit diferita de suma credit pentru tranzactia 1
E: eroare atribut: TotalDebit
W: avertisment: numar de segmente
    detaliu: 1 din 1
"""


def test_parse_error_file() -> None:
    assert duk.parse_error_file("ok\n") == []
    findings = duk.parse_error_file(ERROR_FILE)
    assert [(f.rule, f.severity) for f in findings] == [
        ("DUK-R25", "fatal"),
        ("DUK", "fatal"),
        ("DUK", "warning"),
    ]
    assert findings[0].message == (
        "validari globale eroare regula: R25: suma debit diferita de suma credit pentru tranzactia 1"
    )
    assert findings[2].message == "avertisment: numar de segmente detaliu: 1 din 1"
    (odd,) = duk.parse_error_file("linie comanda incompleta")
    assert odd.severity == "fatal" and odd.message == "linie comanda incompleta"


def test_error_file_in_cp1250_is_decoded() -> None:
    raw = "E: câmp obligatoriu lipsă: Ţara".encode("cp1250")
    (finding,) = duk.parse_error_file(duk.decode(raw))
    assert finding.message == "câmp obligatoriu lipsă: Ţara"


def test_form_follows_the_namespace() -> None:
    assert duk.form_of(NS_D406) == "D406" and duk.form_of(NS_D406T) == "D406T"


FAKE_JAVA = r"""#!/bin/sh
# stand-in for `java -jar DUKIntegrator.jar -v FORM XML ERR OPTION` (and `java -version`)
if [ "$1" = "-version" ]; then echo 'openjdk version "17.0.0" (fake)' >&2; exit 0; fi
[ "$1" = "-jar" ] && [ "$3" = "-v" ] || { echo "linie comanda incompleta"; exit 0; }
echo "$@" > "$(dirname "$2")/args.txt"
if grep -q "FAIL-ME" "$5"; then
  printf 'E: validari globale\n    eroare regula: R7: suma de control\n' > "$6"
else
  printf 'ok' > "$6"
fi
echo "Validare fara erori fisier: $5"
exit 0
"""


@pytest.fixture
def fake_java(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    java = bin_dir / "java"
    java.write_text(FAKE_JAVA)
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    jar = tmp_path / "dist" / "DUKIntegrator.jar"
    jar.parent.mkdir()
    jar.write_bytes(b"PK\x03\x04 stand-in")
    return jar


def test_runner_passes_the_documented_arguments(fake_java: Path) -> None:
    xml = to_xml(from_ledger(samples.month(), "L"), NS_D406T)
    assert duk.run(xml, fake_java, form="D406T") == []
    args = (fake_java.parent / "args.txt").read_text().split()
    assert args[:3] == ["-jar", str(fake_java), "-v"] and args[3] == "D406T"
    assert args[4].endswith("D406T.xml") and args[5].endswith("D406T.err.txt") and args[6] == "0"
    failing = xml.replace(b"<Description>Consultanta iunie", b"<Description>FAIL-ME", 1)
    (finding,) = duk.run(failing, fake_java, form="D406T")
    assert (finding.rule, finding.severity) == ("DUK-R7", "fatal")


def test_runner_problems_are_findings(tmp_path: Path, fake_java: Path) -> None:
    (missing,) = duk.run(b"<x/>", tmp_path / "nope.jar")
    assert missing.rule == "DUK" and "not found" in missing.message
    assert "fake" in duk.check_installation(fake_java)
    with pytest.raises(RuntimeError, match="not found"):
        duk.check_installation(tmp_path / "nope.jar")


def test_service_check_adds_duk_only_when_configured(fake_java: Path, settings: Settings) -> None:
    xml = to_xml(from_ledger(samples.month(), "L"))
    assert service.check(xml, settings.model_copy(update={"duk_jar": None})) == []
    assert service.check(xml, settings.model_copy(update={"duk_jar": fake_java})) == []
    failing = xml.replace(b"<Description>Consultanta iunie", b"<Description>FAIL-ME", 1)
    assert [f.rule for f in service.check(failing, settings.model_copy(update={"duk_jar": fake_java}))] == [
        "DUK-R7"
    ]
