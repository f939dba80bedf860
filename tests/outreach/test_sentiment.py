"""The offline reply classifier on the labelled evaluation set (tests/outreach/data/replies.jsonl:
Romanian and English, with and without diacritics, sarcasm and mixed messages)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from genius.outreach.sentiment import classify, fold

DATA = Path(__file__).parent / "data" / "replies.jsonl"
ROWS: list[dict[str, Any]] = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]


def test_the_evaluation_set_is_broad() -> None:
    assert len(ROWS) >= 300
    langs = Counter(r["lang"] for r in ROWS)
    assert langs["ro"] >= 100 and langs["en"] >= 100 and langs["mixed"] >= 5
    assert Counter(r["label"] for r in ROWS).keys() == {"positive", "neutral", "negative"}
    ro = [r["text"] for r in ROWS if r["lang"] == "ro"]
    assert sum(fold(t) != t.lower() for t in ro) >= 50, "Romanian replies with diacritics"
    assert sum(fold(t) == t.lower() for t in ro) >= 50, "Romanian replies without diacritics"
    assert sum(r["opt_out"] for r in ROWS) >= 50


def test_accuracy_and_opt_out_recall(capsys: pytest.CaptureFixture[str]) -> None:
    confusion: Counter[tuple[str, str]] = Counter()
    missed_opt_outs, false_opt_outs = [], []
    for row in ROWS:
        got = classify(row["text"])
        confusion[(row["label"], got.label)] += 1
        if row["opt_out"] and not got.opt_out:
            missed_opt_outs.append(row["text"])
        if got.opt_out and not row["opt_out"]:
            false_opt_outs.append(row["text"])
    right = sum(n for (want, got), n in confusion.items() if want == got)
    accuracy = right / len(ROWS)
    opt_outs = sum(r["opt_out"] for r in ROWS)
    with capsys.disabled():
        print(
            f"\nsentiment: accuracy {accuracy:.3f} ({right}/{len(ROWS)}), opt-out recall "
            f"{(opt_outs - len(missed_opt_outs)) / opt_outs:.3f} ({opt_outs} opt-outs), "
            f"false opt-outs {len(false_opt_outs)}; confusion (expected, got): {dict(confusion)}"
        )
    assert not missed_opt_outs, f"opt-outs missed: {missed_opt_outs}"
    assert accuracy >= 0.85


@pytest.mark.parametrize("row", [r for r in ROWS if r["lang"] != "en"], ids=lambda r: r["text"][:40])
def test_diacritics_do_not_change_the_answer(row: dict[str, Any]) -> None:
    with_marks = classify(row["text"])
    plain = classify(fold(row["text"]))
    cedilla = classify(row["text"].replace("ș", "ş").replace("ț", "ţ").replace("Ș", "Ş").replace("Ț", "Ţ"))
    assert with_marks.as_dict() == plain.as_dict() == cedilla.as_dict()


def test_the_answer_is_bounded_and_explained() -> None:
    for row in ROWS:
        got = classify(row["text"])
        assert -100 <= got.sentiment <= 100 and got.reason
        assert got.label == (
            "positive" if got.sentiment >= 25 else "negative" if got.sentiment <= -25 else "neutral"
        )
        if got.opt_out:
            assert got.label == "negative" and got.reason.startswith("opt-out")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Delivery Status Notification (Failure)", "bounce"),
        ("Mesaj nelivrat: căsuța poștală este plină", "bounce"),
        ("Voi raporta acest spam la ANPC", "complaint"),
        ("Oh great, another pitch. Just what I needed.", "sarcasm"),
        ("Dezabonare", "opt-out"),
        ("", "empty"),
    ],
)
def test_keyword_triggers(text: str, reason: str) -> None:
    assert classify(text).reason.startswith(reason)
