"""The benchmark's bookkeeping: what a read of a slip is against the set's truth, and the
slip-by-slip comparison of two versions' reads (bench/truth.py, bench/compare_reads.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import compare_reads  # noqa: E402
import truth  # noqa: E402


def _slip(code: str, status: str | None, kind: str = "tick") -> dict:
    accept = ["review"] if status == "review" else [status, "review"]  # as make_photos.py
    return {"code": code, "task": code.split(":")[2], "status": status, "accept": accept,
            "spec": {"kind": kind}}


TICK = _slip("PK1:K:T0001:1:A", "done")
BLANK = _slip("PK1:K:T0002:1:B", None)
DOUBLE = _slip("PK1:K:T0003:1:C", "review")
REDO = _slip("PK1:K:T0004:1:D", "stuck", kind="redo")


@pytest.mark.parametrize("slip, outcome, status, expected", [
    (TICK, "applied", "done", truth.RIGHT),
    (TICK, "unchanged", "done", truth.RIGHT),  # the record said done already
    (TICK, "applied", "taken", truth.WRONG),
    (TICK, "unchanged", "taken", truth.WRONG_UNCHANGED),
    (TICK, "unchanged", None, truth.LOST),
    (TICK, "review", "done", truth.REVIEW_CLEAR),
    (TICK, "stale", "done", truth.REVIEW_CLEAR),
    (BLANK, "unchanged", None, truth.RIGHT),
    (BLANK, "applied", "done", truth.WRONG),
    (DOUBLE, "review", None, truth.REVIEW_RIGHT),
    (DOUBLE, "applied", "done", truth.WRONG),
    (REDO, "review", "stuck", truth.REVIEW_REDO),
    (REDO, "applied", "stuck", truth.RIGHT),
    (TICK, "unknown-task", None, truth.OTHER),
    (TICK, None, None, truth.MISSED),
])
def test_a_read_is_named_against_the_truth(slip, outcome, status, expected):
    assert truth.kind(slip, outcome, status) == expected


def _set(tmp_path: Path) -> Path:
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "index.json").write_text(json.dumps({"kit": "kit", "photos": ["0001", "0002"]}))
    (folder / "0001.json").write_text(json.dumps({"photo": "0001.jpg",
                                                  "slips": [TICK, BLANK, DOUBLE]}))
    (folder / "0002.json").write_text(json.dumps({"photo": "0002.jpg", "slips": [REDO]}))
    return folder


def _read(outcome: str, status: str | None, reason: str = "") -> dict:
    return {"outcome": outcome, "status": status, "reason": reason, "confidence": 1.0,
            "read": {}}


def test_a_version_is_tallied_and_its_changes_listed(tmp_path):
    folder = _set(tmp_path)
    before = {"0001.jpg": {"errors": [], "slips": {TICK["code"]: _read("applied", "done"),
                                                   BLANK["code"]: _read("unchanged", None)}},
              "0002.jpg": {"errors": ["no code was read for what looks like a slip"],
                           "slips": {}}}
    after = {"0001.jpg": {"errors": ["no code was read for what looks like a slip"],
                          "slips": {TICK["code"]: _read("applied", "taken"),
                                    BLANK["code"]: _read("unchanged", None),
                                    DOUBLE["code"]: _read("review", None, "two marks")}},
             "0002.jpg": {"errors": [], "slips": {REDO["code"]: _read("review", "stuck")}}}
    a, b = compare_reads.tally(folder, before), compare_reads.tally(folder, after)
    assert (a["slips"], a[truth.MISSED], a[truth.RIGHT], a["missed said"]) == (4, 2, 2, 1)
    assert a["said, none missed"] == 0  # photo 1 missed the double, and said nothing
    assert (b[truth.MISSED], b[truth.WRONG], b[truth.REVIEW_RIGHT], b[truth.REVIEW_REDO]) \
        == (0, 1, 1, 1)
    assert b["said, none missed"] == 1
    lines = compare_reads.changes(folder, before, after)
    assert lines == [
        f"0001.jpg T0001: {truth.RIGHT} -> {truth.WRONG} (applied taken: )",
        f"0001.jpg T0003: {truth.MISSED} -> {truth.REVIEW_RIGHT} (review None: two marks)",
        "0001.jpg errors: [] -> ['no code was read for what looks like a slip']",
        f"0002.jpg T0004: {truth.MISSED} -> {truth.REVIEW_REDO} (review stuck: )",
        "0002.jpg errors: ['no code was read for what looks like a slip'] -> []",
    ]


def test_compare_fails_when_the_version_after_applies_a_wrong_status(tmp_path, capsys):
    folder = _set(tmp_path)
    right = {"0001.jpg": {"errors": [], "slips": {TICK["code"]: _read("applied", "done")}}}
    wrong = {"0001.jpg": {"errors": [], "slips": {TICK["code"]: _read("applied", "taken")}}}
    for name, reads in (("right", right), ("wrong", wrong)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "set.json").write_text(json.dumps(reads))
    assert compare_reads.main(["compare", str(tmp_path / "right"), str(tmp_path / "right"),
                               str(folder)]) == 0
    assert compare_reads.main(["compare", str(tmp_path / "right"), str(tmp_path / "wrong"),
                               str(folder)]) == 1
    out = capsys.readouterr().out
    assert "T0001: right -> wrong-applied" in out
