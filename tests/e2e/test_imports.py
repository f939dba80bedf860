"""The CSV import wizard in Chromium against the demo (real etl.sync workers): a Romanian file with bad
rows through every step, the live progress to the end, the error report downloaded and read; axe and a
screenshot on every step, in both themes and both languages."""

from __future__ import annotations

import csv
import io
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DemoApp, axe_check, login, set_theme_and_language, shot

BAD = {"e-mail": 2, "cui": 1}


def romanian_csv(folder: Path) -> tuple[Path, str]:
    """``;``-separated, UTF-8 with BOM as Excel writes it; rows 4 and 6 have bad e-mails, row 5 a bad CUI."""
    tag = uuid.uuid4().hex[:8]
    rows = [
        "Prenume;Nume;Email;Telefon;Firma;CUI;Oraș;Județ",
        f"Ștefan;Țurcanu;stefan.{tag}@exemplu.ro;;Țesătoria Ștefănești SRL;;Timișoara;Timiș",
        f"Ana;Popescu;ana.{tag}@exemplu.ro;;Brutăria Bună SRL;;Brașov;Brașov",
        f"Ioana;Mureșan;ioana.{tag}@exemplu;;;;Cluj-Napoca;Cluj",
        f"Mihai;Bălănescu;mihai.{tag}@exemplu.ro;;Fabrica de Bere Bălănești;RO123;Iași;Iași",
        "Elena;Dumitrescu;nu-are-email;;;;Constanța;Constanța",
        f"Radu;Ionescu;radu.{tag}@exemplu.ro;;;;București;București",
    ]
    path = folder / f"clienti-potentiali-{tag}.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(rows).encode("utf-8") + b"\r\n")
    return path, tag


def step(page: Any, name: str, label: str) -> None:
    shot(page, f"imports-{name}")
    axe_check(page, f"{name} ({label})")


@pytest.mark.parametrize("theme,lang", [("light", "ro"), ("dark", "ro"), ("light", "en"), ("dark", "en")])
def test_import_a_csv_with_bad_rows_and_download_the_error_report(
    context: Any, page: Any, demo_app: DemoApp, tmp_path: Path, theme: str, lang: str
) -> None:
    set_theme_and_language(context, theme, lang, demo_app.url)
    label = f"{theme}, {lang}"
    ro = lang == "ro"
    csv_path, tag = romanian_csv(tmp_path)

    page.goto("/crm/imports")
    assert page.get_by_role("heading", name="Importuri" if ro else "Imports").is_visible()
    step(page, "list", label)
    page.locator(".page-head a.btn-primary").click()
    page.wait_for_url(re.compile(r"/crm/imports/new$"))
    assert page.locator(".dropzone").is_visible()
    step(page, "upload", label)

    # 1. Upload: the file input inside the drop zone (the drop handler fills the same input).
    page.locator("#f-file").set_input_files(str(csv_path))
    assert csv_path.name in page.locator("[data-file-name]").inner_text()
    page.locator("form[data-import-upload] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/crm/imports/[0-9a-f-]{36}\?step=preview$"))
    import_url = page.url.split("?")[0]

    # 2. Preview: the detected encoding and separator, the rows with their diacritics.
    assert page.locator("#f-encoding").input_value() == "utf-8-sig"
    assert page.locator("#f-delimiter").input_value() == "semicolon"
    assert page.locator("table.preview").get_by_text("Țesătoria Ștefănești SRL").is_visible()
    assert "UTF-8" in page.locator("#f-encoding-hint").inner_text()
    assert ";" in page.locator("#f-delimiter-hint").inner_text()
    step(page, "preview", label)
    page.locator(".import-step .form-actions a.btn-primary").click()

    # 3. Map: the suggestions are preselected.
    page.wait_for_url(re.compile(r"step=map$"))
    assert page.locator("#f-col-2").input_value() == "email"
    assert page.locator("#f-col-5").input_value() == "cui"
    assert page.locator("#f-col-6").input_value() == "city"
    step(page, "map", label)
    page.locator("#f-mapping button[type=submit]").click()

    # 4. Duplicates: three policies, each explained.
    page.wait_for_url(re.compile(r"step=duplicates$"))
    assert page.locator("input[name=on_duplicate]").count() == 3
    page.locator("input[name=on_duplicate][value=skip]").check()
    step(page, "duplicates", label)
    page.locator(".import-step form button[type=submit]").click()

    # 5. Dry run: the bad rows, row by row, and nothing imported yet.
    page.wait_for_url(re.compile(r"step=validate$"))
    bad_rows = page.locator("table.errors tbody tr td.num").all_inner_texts()
    assert bad_rows == ["4", "5", "6"]
    assert page.locator(".kpi-err .value").inner_text() == "3"
    step(page, "validate", label)
    page.locator("form[action$='/start'] button[type=submit]").click()

    # 6. Run: the progress bar, polled every second, until the worker has finished.
    page.wait_for_url(re.compile(r"step=run$"))
    assert page.locator("#import-bar").count() == 1
    shot(page, "imports-run")
    page.locator('[data-count="failed"]').wait_for(timeout=90_000)
    assert page.locator("#import-progress").get_attribute("hx-trigger") is None  # the polling stopped
    assert page.locator('[data-count="failed"]').inner_text() == "3"
    assert page.locator('[data-count="created"]').inner_text() == "3"
    assert (
        page.locator("#import-steps .is-current").inner_text().strip().endswith("Raport" if ro else "Report")
    )
    step(page, "done", label)

    # 7. The error report lists the bad rows.
    with page.expect_download() as info:
        page.locator("#import-progress a[href$='/errors.csv']").click()
    content = Path(info.value.path()).read_bytes().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert table[0][:4] == ["row", "reason", "Prenume", "Nume"]
    by_row = {line[0]: line for line in table[1:]}
    assert sorted(by_row) == ["4", "5", "6"]
    assert by_row["4"][4] == f"ioana.{tag}@exemplu" and "email" in by_row["4"][1]
    assert by_row["5"][7] == "RO123" and "cui" in by_row["5"][1]
    assert by_row["6"][3] == "Dumitrescu" and by_row["6"][4] == "nu-are-email"

    # Leave and come back: the import opens on its result; the list shows it as completed.
    page.goto(import_url)
    assert page.locator('[data-count="failed"]').inner_text() == "3"
    page.goto("/crm/imports")
    row = page.locator("table.imports-list tr", has_text=csv_path.name)
    assert row.locator(".badge-ok").is_visible()
    assert not page.js_errors


DROP = """(file) => {
  const transfer = new DataTransfer();
  transfer.items.add(new File([file.text], file.name, {type: file.type}));
  const zone = document.querySelector('[data-dropzone]');
  for (const type of ['dragenter', 'dragover', 'drop']) {
    zone.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true, cancelable: true}));
  }
}"""


def test_drop_zone_takes_a_csv_and_refuses_a_workbook(page: Any) -> None:
    page.goto("/crm/imports/new")
    page.evaluate(DROP, {"text": "PK..", "name": "clienti.xlsx", "type": "application/vnd.ms-excel.sheet"})
    assert "CSV" in page.locator("[data-file-error]").inner_text()
    assert page.locator(".field.invalid .dropzone").count() == 1
    shot(page, "imports-upload-dropped-xlsx")
    page.locator("form[data-import-upload] button[type=submit]").click()  # refused in the browser
    assert page.url.endswith("/crm/imports/new")
    page.evaluate(
        DROP, {"text": "Nume;Email\nPopescu;ana@exemplu.ro\n", "name": "lista.csv", "type": "text/csv"}
    )
    assert "lista.csv" in page.locator("[data-file-name]").inner_text()
    assert page.locator("[data-file-error]").inner_text() == ""
    assert page.evaluate("document.querySelector('#f-file').files[0].name") == "lista.csv"
    page.locator("form[data-import-upload] button[type=submit]").click()
    page.wait_for_url(re.compile(r"step=preview$"))
    assert page.locator("table.preview").get_by_text("ana@exemplu.ro").is_visible()


def test_without_javascript_the_server_refuses_a_workbook_inline(
    browser: Any, demo_app: DemoApp, tmp_path: Path
) -> None:
    """No script at all: the plain form posts, and the server answers 415 with the error at the field."""
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 800}, base_url=demo_app.url, java_script_enabled=False
    )
    page = ctx.new_page()
    login(page, demo_app)
    workbook = tmp_path / "clienti.xlsx"
    workbook.write_bytes(b"PK\x03\x04" + b"\x00" * 512)
    page.goto("/crm/imports/new")
    page.locator("#f-file").set_input_files(str(workbook))
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        page.locator("form[data-import-upload] button[type=submit]").click()
    assert info.value.status == 415
    assert "CSV UTF-8" in page.locator("#f-file-error").inner_text()
    assert page.locator(".error-summary").is_visible()
    shot(page, "imports-upload-refused")
    ctx.close()
